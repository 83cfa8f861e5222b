import assert from 'node:assert/strict';
import { countOverlaps, judgeLoad, type PushFact, type RunFact } from '../../../bench/load/load-checks.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const S1 = 'infra/./load-000';
const S2 = 'infra/./load-001';

// Push A changes both stacks at t=0; push B changes S1 again at t=100.
const pushes: PushFact[] = [
  { commit: A, sentAt: 0, stacks: [S1, S2] },
  { commit: B, sentAt: 100, stacks: [S1] },
];
const run = (stackKey: string, commit: string, status: string, startedAt: number, finishedAt: number, reason?: string): RunFact => ({
  stackKey,
  commit,
  status,
  startedAt,
  finishedAt,
  ...(reason ? { reason } : {}),
});
const cleanRuns = (): RunFact[] => [
  run(S1, A, 'skipped', 150, 150, 'Superseded'),
  run(S1, B, 'applied', 200, 900),
  run(S2, A, 'applied', 50, 700),
];
const backendAt = (s1 = B, s2 = A) => new Map<string, string | undefined>([[S1, s1], [S2, s2]]);
const noHistory = new Map<string, never[]>();

describe('bench:load: lost changes and overlapping updates', () => {
  it('a superseded change counts as carried by the later apply, its latency measured to that apply', () => {
    const v = judgeLoad(pushes, cleanRuns(), backendAt(), noHistory);
    assert.equal(v.lost, 0, v.problems.join('\n'));
    assert.equal(v.overlapping, 0);
    // S1@A carried by S1@B (finished 900), S1@B itself (900 - 100), S2@A (700).
    assert.deepEqual(v.latencies, [700, 800, 900]);
  });

  it('a stack applied at a later commit that did not touch it is at its last change (that tree holds it)', () => {
    const runs = [...cleanRuns(), run(S2, B, 'unchanged', 800, 950)];
    const v = judgeLoad(pushes, runs, backendAt(B, B), noHistory);
    assert.equal(v.lost, 0, v.problems.join('\n'));
  });

  it('a change that failed and was never carried by a later push is lost', () => {
    const runs = cleanRuns().map((r) => (r.stackKey === S2 ? { ...r, status: 'failed', reason: 'EngineError' } : r));
    const v = judgeLoad(pushes, runs, new Map([[S1, B], [S2, undefined]]), noHistory);
    // The change itself, and the stack not being at its last push on the backend.
    assert.equal(v.lost, 2);
    assert.match(v.problems.join('\n'), /load-001@aaaaaaaaaaaa: never applied/);
    assert.match(v.problems.join('\n'), /load-001: the backend is at nothing/);
  });

  it('a change with no run at all is lost, even when a later push carried the stack', () => {
    const runs = cleanRuns().filter((r) => !(r.stackKey === S1 && r.commit === A));
    const v = judgeLoad(pushes, runs, backendAt(), noHistory);
    assert.equal(v.lost, 1);
    assert.match(v.problems[0]!, /load-000@aaaaaaaaaaaa: recorded as no run/);
  });

  it('a stack the backend left at an older commit is lost, though the records say applied', () => {
    const v = judgeLoad(pushes, cleanRuns(), backendAt(A), noHistory);
    assert.equal(v.lost, 1);
    assert.match(v.problems[0]!, /the backend is at aaaaaaaaaaaa, not at the last push that touched it bbbbbbbbbbbb/);
  });

  it('two runs of one stack holding it at once overlap; skips hold nothing', () => {
    const runs = [...cleanRuns(), run(S1, A, 'applied', 300, 400)];
    const v = judgeLoad(pushes, runs, backendAt(), noHistory);
    assert.equal(v.overlapping, 1);
    assert.match(v.problems.at(-1)!, /load-000: 1 overlapping runs, 0 overlapping updates/);
  });

  it("the backend's history is checked too", () => {
    const v = judgeLoad(pushes, cleanRuns(), backendAt(), new Map([[S2, [{ start: 10, end: 20 }, { start: 19, end: 30 }]]]));
    assert.equal(v.overlapping, 1);
  });

  it('counts an update that starts inside any earlier one, and none for updates that only touch', () => {
    assert.equal(countOverlaps([{ start: 0, end: 10 }, { start: 10, end: 20 }, { start: 20, end: 20 }]), 0);
    // The third starts after the second ended but inside the long first one.
    assert.equal(countOverlaps([{ start: 0, end: 100 }, { start: 10, end: 20 }, { start: 30, end: 40 }]), 2);
  });
});
