import assert from 'node:assert/strict';
import { losoFolds, losoMean } from '../../../bench/logs/loso.ts';

describe('leave-one-system-out choice of the miner options', () => {
  const s = (ga: number) => ({ ga, fga: ga });
  it('chooses each fold on the other systems only, so an option only the left-out system likes is not picked', () => {
    // Grid point 0 is best on A, B and D; grid point 1 is best on C alone.
    const scores = [
      [s(0.9), s(0.9), s(0.8), s(0.9)],
      [s(0.8), s(0.8), s(0.95), s(0.8)],
    ];
    const folds = losoFolds(['A', 'B', 'C', 'D'], scores);
    assert.deepEqual(folds.map((f) => f.chosen), [0, 0, 0, 0]);
    assert.deepEqual(folds.map((f) => f.score.ga), [0.9, 0.9, 0.8, 0.9]);
    assert.ok(Math.abs(losoMean(folds).ga - 3.5 / 4) < 1e-9);
  });
  it('breaks a tie on the others towards the earlier grid point, whatever the left-out system scores', () => {
    const folds = losoFolds(['A', 'B'], [[s(0.7), s(0.7)], [s(0.7), s(0.7)]]);
    assert.deepEqual(folds.map((f) => f.chosen), [0, 0]);
  });
});
