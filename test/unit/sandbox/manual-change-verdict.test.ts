import assert from 'node:assert/strict';
import { judgeManualChange, type ManualChangeInput, type RunObservation } from '../../../sandbox/verdicts/manual-change-verdict.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const WHO = 'arn:aws:iam::000000000000:user/console-operator';

const drift: RunObservation = {
  id: 'run-drift',
  mode: 'drift',
  status: 'drifted',
  commit: HEAD,
  apply: false,
  trigger: { kind: 'drift', driftId: 'change-1' },
  explainedBy: [{ principal: WHO, eventName: 'UpdateService', at: T0 + 500 }],
  enqueuedAt: T0 + 2000,
};
const reconcile: RunObservation = { id: 'run-reconcile', mode: 'deploy', status: 'applied', commit: HEAD, apply: true, trigger: { kind: 'drift', driftId: 'run-drift' }, enqueuedAt: T0 + 5000 };

/** A run that went right; each case changes one thing. */
function input(over: Partial<ManualChangeInput> = {}): ManualChangeInput {
  return {
    tamperMs: T0,
    tamperCapacity: 1,
    lastCapacities: [2],
    restoredMinute: 40,
    runs: [reconcile, drift],
    topCauses: [{ incidentId: 'inc-1', kind: 'manual-change', principal: WHO }],
    deployBranch: { commit: HEAD, config: { 'sandbox:capacity': 2 } },
    applied: [],
    inFlight: [],
    over: true,
    graceOver: false,
    horizonMinute: 65,
    ...over,
  };
}

describe('manual-change verdict', () => {
  it("passes: drift explained by the console change, Git's commit applied again, capacity back, no commit", () => {
    const v = judgeManualChange(input());
    assert.equal(v.status, 'passed', v.summary);
    assert.match(v.summary, /explained by arn:aws:iam::000000000000:user\/console-operator UpdateService/);
  });

  it('passes with no incident at all', () => {
    assert.equal(judgeManualChange(input({ topCauses: [] })).status, 'passed');
  });

  const failures: [string, Partial<ManualChangeInput>, RegExp][] = [
    ['a scale-out committed to Git', { applied: ['scale-out cccccccccccc (effective)'] }, /committed scale-out/],
    ['an incident whose top cause is saturation', { topCauses: [{ incidentId: 'inc-1', kind: 'saturation' }] }, /not the top cause: incident inc-1: top cause saturation/],
    ['a manual-change cause that names nobody', { topCauses: [{ incidentId: 'inc-1', kind: 'manual-change' }] }, /no principal named/],
    ['no drift check', { runs: [] }, /no drift check found/],
    ['drift no change event explains', { runs: [{ ...drift, explainedBy: [] }] }, /no change event explains it/],
    ['drift not reconciled by the end of the grace', { runs: [drift], graceOver: true }, /was not reconciled/],
    ['a reconcile that failed', { runs: [{ ...reconcile, status: 'failed' }, drift] }, /was not reconciled/],
    ['a reconcile of another commit than the deploy branch head', { runs: [{ ...reconcile, commit: OLD }, drift] }, /not Git's commit aaaaaaaaaaaa/],
    ['capacity still not Git', { lastCapacities: [1] }, /capacity is 1, not Git's 2/],
    ['a remediation still under way after the grace', { inFlight: ['rem-1 scale-out (proposed)'], graceOver: true }, /still under way/],
  ];
  for (const [what, change, why] of failures) {
    it(`fails on ${what}`, () => {
      const v = judgeManualChange(input(change));
      assert.equal(v.status, 'failed', v.summary);
      assert.match(v.summary, why);
    });
  }

  it('waits for the console change, for the horizon, and for work under way', () => {
    assert.match(judgeManualChange(input({ tamperMs: undefined })).summary, /waiting for the console change/);
    assert.equal(judgeManualChange(input({ over: false })).status, 'pending');
    assert.equal(judgeManualChange(input({ inFlight: ['rem-1 (evidence)'] })).status, 'pending');
    assert.match(judgeManualChange(input({ runs: [drift] })).summary, /waiting for the reconcile of drift run-drift/);
    assert.match(judgeManualChange(input({ runs: [{ ...reconcile, status: 'running' }, drift] })).summary, /waiting for the reconcile/);
  });

  it('does not count a drift check from before the change', () => {
    const v = judgeManualChange(input({ runs: [reconcile, { ...drift, enqueuedAt: T0 - 1 }] }));
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /no drift check found/);
  });

  it('refuses a deploy branch whose stack file has no capacity', () => {
    assert.throws(() => judgeManualChange(input({ deployBranch: { commit: HEAD, config: {} } })), /no whole-number sandbox:capacity/);
  });
});
