import assert from 'node:assert/strict';
import { judgeTrial, type TrialFacts } from '../../../bench/faults/trial-checks.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const clean = (over: Partial<TrialFacts> = {}): TrialFacts => ({
  pushed: [A, B],
  backendApplied: B,
  appliesPerCommit: new Map([
    [A, 0],
    [B, 1],
  ]),
  runs: [
    { commit: A, status: 'skipped', reason: 'Superseded' },
    { commit: B, status: 'applied' },
  ],
  auditOk: true,
  ...over,
});

describe('bench:faults: what a trial must leave behind', () => {
  it('survives: at the newest push, each push recorded (a Superseded skip counts), applied once, nothing running', () => {
    assert.deepEqual(judgeTrial(clean()), { survived: true, lostPushes: 0, duplicateApplies: 0, stuckRuns: 0, foreignLocksCleared: 0, problems: [] });
  });

  it('a stack left at an older commit fails the trial', () => {
    const v = judgeTrial(clean({ backendApplied: A }));
    assert.equal(v.survived, false);
    assert.match(v.problems[0]!, /ended at aaaaaaaaaaaa, not at the newest push bbbbbbbbbbbb/);
  });

  it('counts a push with no run record as lost', () => {
    const v = judgeTrial(clean({ runs: [{ commit: B, status: 'applied' }] }));
    assert.equal(v.lostPushes, 1);
    assert.equal(v.survived, false);
  });

  it('counts every apply of a commit beyond the first', () => {
    const v = judgeTrial(clean({ appliesPerCommit: new Map([[B, 3]]) }));
    assert.equal(v.duplicateApplies, 2);
  });

  it('counts runs still recorded running, a broken audit chain and a foreign lock that went away', () => {
    const v = judgeTrial(clean({ runs: [...clean().runs, { commit: B, status: 'running', phase: 'applying' }], auditOk: false, foreignLockKept: false }));
    assert.equal(v.stuckRuns, 1);
    assert.equal(v.foreignLocksCleared, 1);
    assert.equal(v.problems.length, 3);
  });
});
