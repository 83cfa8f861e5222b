import assert from 'node:assert/strict';
import { createIncidentStore } from '../../../orchestrator/correlate/incident-store.ts';
import type { GuardrailName } from '../../../orchestrator/decide/index.ts';
import { FINAL_STATES, remediationIdOf, type RemediationRecord } from '../../../orchestrator/remediate/remediation-record.ts';
import { createRemediationQueue } from '../../../orchestrator/remediate/remediation-queue.ts';
import { parseTrailers } from '../../../orchestrator/remediate/commit-message.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { createRemediationFixture, type RemediationFixture } from '../../support/remediation-fixture.ts';
import { waitFor } from '../../support/wait.ts';

const STACK = 'infra/./sandbox';
const trail = (r: RemediationRecord) => r.events.map((e) => `${e.state}: ${e.message}`).join('\n');

/**
 * Each guardrail stops a change that would otherwise be made automatically
 * (confidence well above the threshold, low risk, policy clean), and says
 * which one did and why; nothing reaches the deploy branch.
 */
describe('remediation: guardrails stop automated changes, and say so', function () {
  this.timeout(600_000);
  // Live metrics paced by the wall clock on a shared two-core machine: one retry before a case counts as failed.
  this.retries(1);
  let f: RemediationFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  async function stoppedBy(
    guardrail: GuardrailName,
    expected: RemediationRecord['state'],
    guardrails: Record<string, unknown>,
    before?: (f: Omit<RemediationFixture, 'metrics' | 'cleanup'>) => Promise<void>,
  ): Promise<RemediationRecord> {
    f = await createRemediationFixture({ confidenceThreshold: 0.5, guardrails }, { ...(before ? { beforeMetrics: before } : {}) });
    const rec = await f.remediationIn(['effective', 'review', 'rejected', 'no-action', 'failed', 'rolled-back']);
    assert.equal(rec.state, expected, trail(rec));
    const failed = (rec.guardrails ?? []).filter((g) => !g.passed).map((g) => g.name);
    assert.ok(failed.includes(guardrail), `${guardrail} among the failed guardrails: ${failed.join(', ')}`);
    assert.match([...(rec.decision?.reasons ?? []), rec.message ?? ''].join(' '), new RegExp(guardrail));
    assert.equal((await f.mainLog('%H')).split('\n')[0], f.initial, 'nothing was committed to main');
    const entry = (await f.audit.list({ type: 'guardrails', incidentId: rec.incidentId }))[0];
    assert.match(entry?.summary ?? '', new RegExp(guardrail), 'the audit log says which guardrail stopped it');
    return rec;
  }

  it('kill switch (turned on at run time): the proposal is rejected', async () => {
    const rec = await stoppedBy('kill-switch', 'rejected', {}, (f) => f.setControls({ killSwitch: true }));
    assert.equal(rec.policy, undefined, 'no policy check was even started');
    const control = (await f!.audit.list({ type: 'control-changed' }))[0];
    assert.equal(control?.actor, 'test-operator');
  });

  it('dry-run (turned on at run time): what would be automatic waits for a person', async () => {
    const rec = await stoppedBy('dry-run', 'review', {}, (f) => f.setControls({ dryRun: true }));
    assert.match(rec.decision!.reasons.join(' '), /would have been applied automatically/);
  });

  it('cooldown: the same playbook changed the stack a minute ago', async () => {
    await stoppedBy('cooldown', 'review', { cooldownMs: 30 * 60_000, maxChangesPerHourPerStack: 10 }, (f) => f.ledger.recordChange(STACK, 'scale-out', Date.now() - 60_000, 'earlier'));
  });

  it('rate limit: the stack had its automated change this hour', async () => {
    await stoppedBy('stack-rate', 'review', { cooldownMs: 0, maxChangesPerHourPerStack: 1 }, (f) => f.ledger.recordChange(STACK, 'restart-rollout', Date.now() - 10 * 60_000, 'earlier'));
  });

  it('blast radius: the step is larger than the configured ratio', async () => {
    await stoppedBy('blast-radius', 'review', { blastRadius: { maxStepRatio: 1.2 } });
  });

  it('freeze window: no automated change during a freeze', async () => {
    const now = Date.now();
    await stoppedBy('freeze-window', 'review', { freezeWindows: [{ start: now - 3600_000, end: now + 3600_000, reason: 'sale weekend' }] });
  });
});

describe('remediation: a change that does not help is reverted; the rollback limit calls a person', function () {
  this.timeout(600_000);
  // Live metrics paced by the wall clock on a shared two-core machine: one retry before a case counts as failed.
  this.retries(1);
  let f: RemediationFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  // A runaway process eats CPU from minute 4: more instances do not relieve it.
  const HOG = { demand: () => 1000, cpuHog: (m: number) => (m < 4 ? 0 : 65) };

  it('scale-out does not relieve a CPU hog: the commit is reverted with git revert and the revert is deployed', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.2 }, { metrics: HOG });
    const rec = await f.remediationIn(['rolled-back', 'effective', 'escalated', 'review', 'rejected', 'no-action', 'failed']);
    assert.equal(rec.state, 'rolled-back', trail(rec));
    assert.equal(rec.verification?.outcome, 'not-effective');
    const [revert, change] = (await f.mainLog('%H')).split('\n');
    assert.equal(revert, rec.revertCommit);
    assert.equal(change, rec.commit);
    const message = await git(['log', '-1', '--format=%B', rec.revertCommit!], { cwd: f.fx.repo.remote });
    assert.match(message, /^Revert "/);
    assert.deepEqual(parseTrailers(message)['Homeostat-Revert-Of'], [rec.commit]);
    // The revert goes the ordinary way: deployed by the engine, capacity back where it was.
    await f.fx.waitForRun(rec.revertCommit!, 'applied');
    assert.equal(f.fx.fleet.services()[0]!.capacity, 2);
    assert.equal((await f.ledger.state(STACK, 'scale-out', Date.now())).consecutiveRollbacks, 1);
    assert.equal((await f.ledger.counts('scale-out', STACK)).rolledBack, 1);
    assert.ok((await f.audit.list({ type: 'rolled-back' })).length === 1);
    assert.ok((await f.audit.verify()).ok);
  });

  it('after three automatic rollbacks in a row, the next change is not made automatically: a person is asked', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.2 }, {
      metrics: HOG,
      beforeMetrics: async (f) => {
        for (let i = 0; i < 3; i++) await f.ledger.recordRollback(STACK);
      },
    });
    const rec = await f.remediationIn(['review', 'rolled-back', 'effective', 'escalated', 'rejected', 'no-action', 'failed']);
    assert.equal(rec.state, 'review', trail(rec));
    assert.match(rec.decision!.reasons.join(' '), /rollback-limit: .* rolled back automatically 3 times in a row/);
    assert.equal((await f.mainLog('%H')).split('\n')[0], f.initial);
  });
});

describe('remediation: two incidents on one stack at once', function () {
  this.timeout(600_000);
  // Live metrics paced by the wall clock on a shared two-core machine: one retry before a case counts as failed.
  this.retries(1);
  let f: RemediationFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it('one change at a time: the second waits for the first to finish, and main never gets conflicting commits', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.5 });
    const fixture = f;
    const incidents = createIncidentStore(fixture.redis, fixture.fx.prefix);
    // A second incident on the same stack, raised while the first is being handled (as another detector or alarm would).
    const first = await waitFor('the first incident', async () => (await incidents.list())[0], 120_000, 100);
    const secondId = `${first.incident.id}-b`;
    await incidents.save({ ...first, incident: { ...first.incident, id: secondId } });
    await createRemediationQueue(fixture.redis, fixture.fx.prefix).add({ remediationId: remediationIdOf(secondId), incidentId: secondId, stackKey: STACK, cause: 'incident' }, 'test');

    const done = await waitFor('both remediations to finish', async () => {
      const all = await fixture.store.list();
      return all.length === 2 && all.every((r) => FINAL_STATES.has(r.state) || r.state === 'review') ? all : undefined;
    }, 400_000, 250);
    const [a, b] = done.sort((x, y) => Date.parse(x.events[0]!.at) - Date.parse(y.events[0]!.at));
    // A record is made under the stack's remediation lock: the second began after the first had ended.
    assert.ok(Date.parse(b!.events[0]!.at) >= Date.parse(a!.events.at(-1)!.at), `overlap:\n${trail(a!)}\n--\n${trail(b!)}`);
    // At most one automated change went out, and main is a straight line of commits, each on the previous head.
    const commits = (await fixture.mainLog('%H %P')).split('\n').map((l) => l.split(' '));
    for (let i = 0; i + 1 < commits.length; i++) assert.equal(commits[i]![1], commits[i + 1]![0], 'linear history');
    assert.ok(done.filter((r) => r.mode === 'auto' && r.commit).length <= 1, done.map((r) => `${r.id} ${r.state} ${r.mode ?? ''}`).join('\n'));
    // The second incident was about the problem the first change fixed: nothing more to do.
    assert.equal(b!.state, 'no-action', trail(b!));
  });
});
