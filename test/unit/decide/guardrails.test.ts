import assert from 'node:assert/strict';
import { inFreezeWindow } from '../../../orchestrator/decide/freeze-window.ts';
import type { FreezeWindow } from '../../../orchestrator/decide/freeze-window.ts';
import { GuardrailConfigSchema, defaultGuardrailConfig } from '../../../orchestrator/decide/guardrail-config.ts';
import type { GuardrailConfigInput } from '../../../orchestrator/decide/guardrail-config.ts';
import type { GuardrailState } from '../../../orchestrator/decide/guardrail-state.ts';
import { GUARDRAIL_NAMES, changeFingerprint, evaluateGuardrails } from '../../../orchestrator/decide/guardrails.ts';
import type { GuardrailName } from '../../../orchestrator/decide/guardrails.ts';
import type { Proposal } from '../../../remediations/proposal.ts';
import { sandboxContract } from '../remediations/fixtures.ts';
import { COMMIT, MIN, NOW, SANDBOX, patch, quiet, revert } from './fixtures.ts';

const CANARY = 'infra/./sandbox-canary';
const group = { canaryGroups: [{ name: 'checkout', canary: CANARY, members: [CANARY, SANDBOX] }] };

describe('guardrails', () => {
  it('all pass for a small change on a quiet stack with the defaults', () => {
    const results = evaluateGuardrails(patch(), quiet(), defaultGuardrailConfig(), NOW);
    assert.deepEqual(
      results.map((r) => r.name),
      [...GUARDRAIL_NAMES],
    );
    assert.ok(
      results.every((r) => r.passed && r.reason.length > 0),
      JSON.stringify(results.filter((r) => !r.passed)),
    );
  });

  const cases: {
    name: string;
    guardrail: GuardrailName;
    proposal?: Proposal;
    state?: Partial<GuardrailState>;
    config?: GuardrailConfigInput;
    now?: number;
    passed: boolean;
    reason: RegExp;
    onFail?: 'review' | 'reject';
  }[] = [
    { name: 'the kill switch rejects everything', guardrail: 'kill-switch', config: { killSwitch: true }, passed: false, reason: /kill switch is on/, onFail: 'reject' },
    { name: 'dry-run stops the commit', guardrail: 'dry-run', config: { dryRun: true }, passed: false, reason: /dry-run mode/, onFail: 'review' },
    {
      name: 'a one-off freeze window stops changes inside it',
      guardrail: 'freeze-window',
      config: { freezeWindows: [{ start: '2026-11-25T00:00:00Z', end: '2026-11-26T00:00:00Z', reason: 'Black Friday' }] },
      passed: false,
      reason: /freeze window .*Black Friday/,
    },
    {
      name: 'a one-off freeze window ends at its end',
      guardrail: 'freeze-window',
      config: { freezeWindows: [{ start: '2026-11-24T00:00:00Z', end: '2026-11-25T12:00:00Z' }] },
      passed: true,
      reason: /not in a freeze window/,
    },
    { name: 'a weekly window on the day and hour stops changes', guardrail: 'freeze-window', config: { freezeWindows: [{ days: ['wed'], from: '09:00', to: '17:00' }] }, passed: false, reason: /wed 09:00-17:00/ },
    { name: 'a weekly window on another day does not', guardrail: 'freeze-window', config: { freezeWindows: [{ days: ['thu'], from: '09:00', to: '17:00' }] }, passed: true, reason: /not in/ },
    { name: 'cooldown stops the same playbook on the same stack too soon', guardrail: 'cooldown', state: { lastChangeAt: NOW - 10 * MIN }, passed: false, reason: /10 min ago; cooldown is 30 min \(20 min left\)/ },
    { name: 'cooldown lets it through once it has passed', guardrail: 'cooldown', state: { lastChangeAt: NOW - 31 * MIN }, passed: true, reason: /past the 30 min cooldown/ },
    { name: 'at most N changes an hour per stack', guardrail: 'stack-rate', state: { changesLastHour: { stack: 2, global: 2 } }, passed: false, reason: /2 automated changes in the last hour; at most 2/ },
    { name: 'at most N changes an hour globally', guardrail: 'global-rate', state: { changesLastHour: { stack: 0, global: 10 } }, passed: false, reason: /10 automated changes across all stacks/ },
    { name: 'capacity may at most double', guardrail: 'blast-radius', proposal: patch({ changes: [{ key: 'sandbox:capacity', from: 2, to: 5 }] }), passed: false, reason: /2 -> 5 is more than 2x/ },
    { name: 'capacity may at most halve', guardrail: 'blast-radius', proposal: patch({ changes: [{ key: 'sandbox:capacity', from: 8, to: 3 }] }), passed: false, reason: /8 -> 3/ },
    {
      name: 'a size may move one rung on the ladder',
      guardrail: 'blast-radius',
      proposal: patch({ changes: [{ key: 'sandbox:instanceSize', from: 'small', to: 'medium' }] }),
      state: { contract: sandboxContract() },
      passed: true,
      reason: /within/,
    },
    {
      name: 'but not two',
      guardrail: 'blast-radius',
      proposal: patch({ changes: [{ key: 'sandbox:instanceSize', from: 'small', to: 'large' }] }),
      state: { contract: sandboxContract() },
      passed: false,
      reason: /moves 2 steps; at most 1/,
    },
    {
      name: 'a change may touch a few keys only',
      guardrail: 'blast-radius',
      proposal: patch({
        changes: [
          { key: 'sandbox:capacity', from: 2, to: 3 },
          { key: 'sandbox:instanceSize', from: 'small', to: 'medium' },
          { key: 'sandbox:version', from: 'v1', to: 'v2' },
        ],
      }),
      passed: false,
      reason: /changes 3 keys; at most 2/,
    },
    { name: 'a revert is sized by the policy preview, not here', guardrail: 'blast-radius', proposal: revert(), passed: true, reason: /restores an earlier state/ },
    { name: 'a stack in no canary group needs no canary', guardrail: 'canary', passed: true, reason: /in no canary group/ },
    { name: 'the canary itself goes first', guardrail: 'canary', proposal: patch({ stackKey: CANARY }), config: group, passed: true, reason: /is the canary of checkout/ },
    { name: 'a member waits for its canary', guardrail: 'canary', config: group, passed: false, reason: /has not received and verified "scale-out capacity" yet/ },
    {
      name: 'a member follows once the canary verified the same change',
      guardrail: 'canary',
      config: group,
      state: { canaryVerified: [{ stackKey: CANARY, change: 'scale-out capacity', verifiedAt: NOW - 60 * MIN }] },
      passed: true,
      reason: /verified "scale-out capacity" 60 min ago/,
    },
    {
      name: 'a stale canary verification does not count',
      guardrail: 'canary',
      config: group,
      state: { canaryVerified: [{ stackKey: CANARY, change: 'scale-out capacity', verifiedAt: NOW - 25 * 60 * MIN }] },
      passed: false,
      reason: /more than 1440 min ago/,
    },
    {
      name: 'a revert follows the canary that reverted the same commit',
      guardrail: 'canary',
      proposal: revert(),
      config: group,
      state: { canaryVerified: [{ stackKey: CANARY, change: `revert ${COMMIT}`, verifiedAt: NOW - MIN }] },
      passed: true,
      reason: /verified/,
    },
    { name: 'two rollbacks in a row are fine', guardrail: 'rollback-limit', state: { consecutiveRollbacks: 2 }, passed: true, reason: /2 automatic rollback/ },
    { name: 'the third rollback in a row needs a person', guardrail: 'rollback-limit', state: { consecutiveRollbacks: 3 }, passed: false, reason: /3 times in a row \(limit 3\); a person must look/ },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const results = evaluateGuardrails(c.proposal ?? patch(), quiet(c.state), defaultGuardrailConfig(c.config), c.now ?? NOW);
      const r = results.find((x) => x.name === c.guardrail)!;
      assert.equal(r.passed, c.passed, r.reason);
      assert.match(r.reason, c.reason);
      if (c.onFail) assert.equal(r.onFail, c.onFail);
      for (const other of results.filter((x) => x.name !== c.guardrail)) assert.ok(other.passed, `${other.name}: ${other.reason}`);
    });
  }

  it('fingerprints a change by playbook and keys, or by the reverted commit', () => {
    assert.equal(changeFingerprint(patch()), 'scale-out capacity');
    assert.equal(changeFingerprint(revert()), `revert ${COMMIT}`);
  });

  it('rejects a bad config naming the field', () => {
    const r = GuardrailConfigSchema.safeParse({ freezeWindows: [{ days: ['wed'], from: '9am', to: '17:00' }], blastRadius: { maxStepRatio: 0.5 } });
    assert.equal(r.success, false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    assert.ok(paths.includes('blastRadius.maxStepRatio'), paths.join(' '));
    assert.ok(paths.some((p) => p.startsWith('freezeWindows.0')), paths.join(' '));
  });
});

describe('freeze windows', () => {
  const at = (iso: string) => Date.parse(iso);
  const overnight: FreezeWindow = { days: ['fri'], from: '18:00', to: '08:00' };
  const cases: { name: string; window: FreezeWindow; now: string; inside: boolean }[] = [
    { name: 'a span holds its start', window: { start: '2026-12-20T00:00:00Z', end: '2026-12-27T00:00:00Z' }, now: '2026-12-20T00:00:00Z', inside: true },
    { name: 'a span excludes its end', window: { start: '2026-12-20T00:00:00Z', end: '2026-12-27T00:00:00Z' }, now: '2026-12-27T00:00:00Z', inside: false },
    { name: 'a span may be given in epoch ms', window: { start: at('2026-12-20T00:00:00Z'), end: at('2026-12-21T00:00:00Z') }, now: '2026-12-20T10:00:00Z', inside: true },
    { name: 'an overnight span holds Friday evening', window: overnight, now: '2026-11-27T19:00:00Z', inside: true },
    { name: 'and Saturday early morning', window: overnight, now: '2026-11-28T07:59:00Z', inside: true },
    { name: 'but not Saturday after it ends', window: overnight, now: '2026-11-28T08:00:00Z', inside: false },
    { name: 'nor Friday before it starts', window: overnight, now: '2026-11-27T17:59:00Z', inside: false },
    { name: 'reads wall clock at its UTC offset', window: { days: ['wed'], from: '09:00', to: '17:00', utcOffsetMinutes: 9 * 60 }, now: '2026-11-25T01:00:00Z', inside: true },
    { name: 'may run to midnight', window: { days: ['sat', 'sun'], from: '00:00', to: '24:00' }, now: '2026-11-29T23:59:00Z', inside: true },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(inFreezeWindow(c.window, at(c.now)), c.inside));
  }
});
