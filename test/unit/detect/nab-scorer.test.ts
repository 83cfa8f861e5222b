import assert from 'node:assert/strict';
import { nabSigmoid, scoreNab } from '../../../bench/nab/scorer.ts';
import type { NabFileInput } from '../../../bench/nab/scorer.ts';

const MIN = 60_000;

/** 100 rows one minute apart (probation = 15 rows) with one window over rows 50..59. */
function file(flagged: number[]): NabFileInput {
  const timestamps = Array.from({ length: 100 }, (_, i) => i * MIN);
  const scores = timestamps.map((_, i) => (flagged.includes(i) ? 1 : 0));
  return { key: 'cat/a.csv', timestamps, scores, windows: [[50 * MIN, 59 * MIN]] };
}

describe('our NAB scorer', () => {
  it('follows the NAB reward curve', () => {
    assert.ok(Math.abs(nabSigmoid(-1) - 0.9866) < 1e-4);
    assert.equal(nabSigmoid(0), 0);
    assert.equal(nabSigmoid(3.5), -1);
  });

  it('scores never firing as 0 and a flag on the first window row as 100', () => {
    const never = scoreNab([file([])], { kind: 'fixed', threshold: 0.5 });
    assert.deepEqual(never.map((r) => r.normalised), [0, 0, 0]);
    const perfect = scoreNab([file([50])], { kind: 'fixed', threshold: 0.5 });
    for (const r of perfect) assert.ok(Math.abs(r.normalised - 100) < 1e-9, `${r.profile}: ${r.normalised}`);
  });

  it('rewards later detections less, charges false positives, and ignores probation', () => {
    const late = scoreNab([file([55])], { kind: 'fixed', threshold: 0.5 })[0]!;
    // Row 55 of a 10-row window ending at 59: x = -(59 - 55 + 1) / 10 = -0.5.
    const expectedRaw = nabSigmoid(-0.5) / nabSigmoid(-1);
    assert.ok(Math.abs(late.raw - expectedRaw) < 1e-12);
    const withFp = scoreNab([file([30, 50])], { kind: 'fixed', threshold: 0.5 })[0]!;
    assert.ok(Math.abs(withFp.raw - (1 - 0.11)) < 1e-12, `raw ${withFp.raw}`);
    assert.equal(withFp.falsePositiveRows, 1);
    const inProbation = scoreNab([file([5, 50])], { kind: 'fixed', threshold: 0.5 })[0]!;
    assert.equal(inProbation.falsePositiveRows, 0);
  });

  it('charges less for a flag just after a window than far after it', () => {
    const near = scoreNab([file([60])], { kind: 'fixed', threshold: 0.5 })[0]!;
    const far = scoreNab([file([95])], { kind: 'fixed', threshold: 0.5 })[0]!;
    assert.ok(near.raw > far.raw, `near ${near.raw} far ${far.raw}`);
  });

  it('optimises the threshold to the best raw score', () => {
    const f = file([]);
    const scores = f.timestamps.map((_, i) => (i === 50 ? 0.9 : i === 30 ? 0.95 : i === 70 ? 0.5 : 0.1));
    const [std, lowFp] = scoreNab([{ ...f, scores }], { kind: 'optimised' });
    // Flagging the window row means also flagging row 30 (0.95 > 0.9): worth it under both profiles.
    assert.equal(std!.threshold, 0.9);
    assert.equal(lowFp!.threshold, 0.9);
    assert.ok(Math.abs(std!.raw - (1 - 0.11)) < 1e-12);
  });

  it('rejects a window edge that is not a row timestamp', () => {
    const f = file([]);
    assert.throws(() => scoreNab([{ ...f, windows: [[50.5 * MIN, 59 * MIN]] }], { kind: 'optimised' }), /edge/);
  });
});
