import assert from 'node:assert/strict';
import { createDetector } from '../../../orchestrator/detect/detector.ts';
import { STATE_LENGTH, STATE_VERSION, createDetectorState, restoreState, snapshotState } from '../../../orchestrator/detect/detector-state.ts';
import type { DetectorSnapshot } from '../../../orchestrator/detect/detector-state.ts';
import { POINTS_PER_DAY, cleanSeries } from './synthetic.ts';

describe('detector state', () => {
  it('is one fixed-size array under 4 KB that does not grow with the data', () => {
    const detector = createDetector();
    const before = detector.stateBytes();
    const s = cleanSeries({ seed: 5, days: 3, dailyAmplitude: 10 });
    s.timestamps.forEach((t, i) => detector.update(t, s.values[i]!));
    assert.equal(detector.stateBytes(), before);
    assert.equal(before, STATE_LENGTH * 8);
    assert.ok(before < 4096, `state is ${before} bytes`);
    // The persisted form is small too (JSON text of the numbers).
    assert.ok(JSON.stringify(detector.snapshot()).length < 8192);
  });

  it('round-trips through JSON: a restored detector continues exactly like the original', () => {
    const s = cleanSeries({ seed: 6, days: 6, dailyAmplitude: 15, trendPerDay: 2 });
    s.values[5 * POINTS_PER_DAY] = s.values[5 * POINTS_PER_DAY]! + 50;
    const cut = 4 * POINTS_PER_DAY;
    const uninterrupted = createDetector();
    const expected = s.timestamps.map((t, i) => uninterrupted.update(t, s.values[i]!).score);

    const first = createDetector();
    const got: number[] = [];
    for (let i = 0; i < cut; i++) got.push(first.update(s.timestamps[i]!, s.values[i]!).score);
    const persisted = JSON.parse(JSON.stringify(first.snapshot())) as DetectorSnapshot;
    const resumed = createDetector({}, persisted);
    for (let i = cut; i < s.values.length; i++) got.push(resumed.update(s.timestamps[i]!, s.values[i]!).score);
    assert.deepEqual(got, expected);
    assert.ok(Math.max(...got.slice(cut)) >= 0.5, 'the spike after the restore was not flagged');
  });

  it('keeps NaN fields (no observation yet) through a snapshot', () => {
    const fresh = createDetectorState();
    const again = restoreState(JSON.parse(JSON.stringify(snapshotState(fresh))) as DetectorSnapshot);
    assert.deepEqual(Array.from(again, (v) => (Number.isNaN(v) ? 'NaN' : v)), Array.from(fresh, (v) => (Number.isNaN(v) ? 'NaN' : v)));
  });

  it('refuses a snapshot of the previous layouts (version 3, before the surprise calibration; version 4, before the variance evidence): the caller starts afresh', () => {
    const v3 = { version: 3, values: new Array<number | null>(417).fill(0) };
    assert.throws(() => createDetector({}, v3), /snapshot\.version is 3, this build reads/);
    const v4 = { version: 4, values: new Array<number | null>(419).fill(0) };
    assert.throws(() => createDetector({}, v4), /snapshot\.version is 4, this build reads 5/);
  });

  it('rejects a snapshot of another version or shape, naming the field', () => {
    const good = snapshotState(createDetectorState());
    assert.throws(() => restoreState({ ...good, version: STATE_VERSION + 1 }), /snapshot\.version/);
    assert.throws(() => restoreState({ ...good, values: good.values.slice(1) }), /snapshot\.values/);
    const bad = [...good.values] as unknown[];
    bad[3] = 'x';
    assert.throws(() => restoreState({ version: STATE_VERSION, values: bad as number[] }), /snapshot\.values\[3\]/);
  });
});
