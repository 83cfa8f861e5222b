import assert from 'node:assert/strict';
import { MAX_ATTEMPTS } from '../../../orchestrator/queue/deploy-queue.ts';
import { FINAL_STATES, RemediationStateSchema, type RemediationState } from '../../../orchestrator/remediate/remediation-record.ts';
import { isDeployFinished, isPolicyCheckFinished } from '../../../orchestrator/remediate/transitions/finished-runs.ts';
import { nextStep } from '../../../orchestrator/remediate/transitions/next-step.ts';
import { previewRun } from '../../support/run-records.ts';

const HELD = { leaseHeld: true };
const LOST = { leaseHeld: false };
const at = (state: RemediationState) => ({ state });

describe('remediation: the transition table', () => {
  describe('a working state runs its step while the lock is held', () => {
    it('proposing: propose (the playbooks, the guardrails, the branch for the policy check)', () => {
      assert.deepEqual(nextStep(at('proposing'), HELD), { kind: 'run', step: 'propose' });
    });

    it('checking: check-policy (wait for the preview, then decide)', () => {
      assert.deepEqual(nextStep(at('checking'), HELD), { kind: 'run', step: 'check-policy' });
    });

    it('approved: merge-approved (a person approved the review item)', () => {
      assert.deepEqual(nextStep(at('approved'), HELD), { kind: 'run', step: 'merge-approved' });
    });

    it('committed: await-apply (the ordinary deploy path applies the commit)', () => {
      assert.deepEqual(nextStep(at('committed'), HELD), { kind: 'run', step: 'await-apply' });
    });

    it('verifying: verify (and revert what did not help)', () => {
      assert.deepEqual(nextStep(at('verifying'), HELD), { kind: 'run', step: 'verify' });
    });
  });

  describe('a working state with the lock lost runs nothing', () => {
    for (const state of ['proposing', 'checking', 'approved', 'committed', 'verifying'] as const) {
      it(`${state}: lost-lock, another worker may be changing the stack`, () => {
        assert.deepEqual(nextStep(at(state), LOST), { kind: 'lost-lock' });
      });
    }
  });

  describe('the loop stops', () => {
    it('review: waits for a person, whether or not the lock is still held', () => {
      assert.deepEqual(nextStep(at('review'), HELD), { kind: 'stop', why: 'review' });
      assert.deepEqual(nextStep(at('review'), LOST), { kind: 'stop', why: 'review' });
    });

    for (const state of FINAL_STATES) {
      it(`${state}: final, whether or not the lock is still held`, () => {
        assert.deepEqual(nextStep(at(state), HELD), { kind: 'stop', why: 'final' });
        assert.deepEqual(nextStep(at(state), LOST), { kind: 'stop', why: 'final' });
      });
    }
  });

  it('every state is final, waits for review, or runs a step: the table has no gap', () => {
    for (const state of RemediationStateSchema.options) {
      const next = nextStep(at(state), HELD);
      const stopsAsFinal = next.kind === 'stop' && next.why === 'final';
      assert.equal(stopsAsFinal, FINAL_STATES.has(state), `${state}: ${JSON.stringify(next)}`);
      if (!FINAL_STATES.has(state) && state !== 'review') assert.equal(next.kind, 'run', state);
    }
  });
});

describe('remediation: which deploy-queue runs answer a wait', () => {
  const JOB = 'infra/./sandbox@' + 'a'.repeat(40) + '.policy';
  const COMMIT = 'a'.repeat(40);
  const last = MAX_ATTEMPTS;

  describe('the policy check', () => {
    const check = (over: Parameters<typeof previewRun>[0]) => isPolicyCheckFinished(previewRun({ jobId: JOB, ...over }), JOB, MAX_ATTEMPTS);

    it('a previewed run of its job answers it', () => assert.equal(check({ status: 'previewed' }), true));
    it("another job's run does not", () => assert.equal(isPolicyCheckFinished(previewRun({ status: 'previewed' }), JOB, MAX_ATTEMPTS), false));
    it('a run still running does not', () => assert.equal(check({ status: 'running' }), false));
    it('a policy violation answers it at once', () => assert.equal(check({ status: 'failed', reason: 'PolicyViolation', attempt: 1 }), true));
    it('an invalid program answers it at once (it is not retried)', () => assert.equal(check({ status: 'failed', reason: 'InvalidProgram', attempt: 1 }), true));
    it('another failure with attempts left does not: the queue tries again', () => assert.equal(check({ status: 'failed', reason: 'EngineError', attempt: last - 1 }), false));
    it("another failure on the queue's last attempt answers it", () => assert.equal(check({ status: 'failed', reason: 'EngineError', attempt: last }), true));
  });

  describe('the deploy of a commit', () => {
    const deploy = (over: Parameters<typeof previewRun>[0]) => isDeployFinished(previewRun({ commit: COMMIT, apply: true, ...over }), COMMIT, MAX_ATTEMPTS);

    it('an applied run of the commit answers it', () => assert.equal(deploy({ status: 'applied' }), true));
    it('a run of another commit does not', () => assert.equal(isDeployFinished(previewRun({ apply: true, status: 'applied' }), COMMIT, MAX_ATTEMPTS), false));
    it('a preview of the commit does not: only a run that applies', () => assert.equal(deploy({ apply: false, status: 'previewed' }), false));
    it('a run still running does not', () => assert.equal(deploy({ status: 'running' }), false));
    it('a skipped run does not: a newer commit carries it', () => assert.equal(deploy({ status: 'skipped' }), false));
    it('a policy violation answers it at once', () => assert.equal(deploy({ status: 'failed', reason: 'PolicyViolation', attempt: 1 }), true));
    it('another failure with attempts left does not: the queue tries again', () => assert.equal(deploy({ status: 'failed', reason: 'EngineError', attempt: last - 1 }), false));
    it("another failure on the queue's last attempt answers it", () => assert.equal(deploy({ status: 'failed', reason: 'EngineError', attempt: last }), true));
  });
});
