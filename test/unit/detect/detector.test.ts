import assert from 'node:assert/strict';
import { createDetector } from '../../../orchestrator/detect/detector.ts';
import { DEFAULT_DETECTOR_OPTIONS } from '../../../orchestrator/detect/detector-options.ts';
import { combineSurprises } from '../../../orchestrator/detect/surprise-score.ts';
import { POINTS_PER_DAY, STEP_MS, cleanSeries, flagsBetween, flagsOf, gaussian, prng, scoresOf } from './synthetic.ts';
import type { Series } from './synthetic.ts';

const DAYS = 10;
const ONSET = 8 * POINTS_PER_DAY + 100;
/** Steps after the onset within which a flag counts as "near the onset". */
const NEAR = 12;

function base(seed: number): Series {
  return cleanSeries({ seed, days: DAYS, level: 100, noise: 2, trendPerDay: 1, dailyAmplitude: 20 });
}

function assertFlaggedNearOnset(flags: number[], onset: number, within: number, label: string): void {
  const near = flagsBetween(flags, onset, onset + within);
  assert.ok(near.length > 0, `${label}: no flag within ${within} steps of the onset at ${onset}; flags: ${flags.join(',') || 'none'}`);
  const before = flagsBetween(flags, onset - 2 * POINTS_PER_DAY, onset - 1);
  assert.ok(before.length <= 1, `${label}: ${before.length} flags in the two clean days before the onset: ${before.join(',')}`);
}

describe('detector on synthetic series', () => {
  it('scores in [0, 1], and 0 during the warm-up', () => {
    const scores = scoresOf(base(1));
    assert.ok(scores.every((s) => s >= 0 && s <= 1));
    assert.ok(scores.slice(0, DEFAULT_DETECTOR_OPTIONS.warmUpPoints).every((s) => s === 0));
  });

  it('raises few or no flags on a clean series with noise, trend and a daily cycle', () => {
    for (const seed of [1, 2, 3]) {
      const flags = flagsOf(base(seed));
      assert.ok(flags.length <= 2, `seed ${seed}: ${flags.length} flags on a clean series: ${flags.join(',')}`);
    }
  });

  it('flags a spike at its onset', () => {
    const s = base(11);
    s.values[ONSET] = s.values[ONSET]! + 40;
    assertFlaggedNearOnset(flagsOf(s), ONSET, 1, 'spike');
  });

  it('flags a level shift near its onset, once', () => {
    const s = base(12);
    for (let i = ONSET; i < s.values.length; i++) s.values[i] = s.values[i]! + 15;
    const flags = flagsOf(s);
    assertFlaggedNearOnset(flags, ONSET, NEAR, 'level shift');
    assert.ok(flagsBetween(flags, ONSET, s.values.length).length <= 3, `level shift re-fired: ${flags.join(',')}`);
  });

  it('flags a drop in level near its onset', () => {
    const s = base(13);
    for (let i = ONSET; i < s.values.length; i++) s.values[i] = s.values[i]! - 15;
    assertFlaggedNearOnset(flagsOf(s), ONSET, NEAR, 'level drop');
  });

  it('flags a change of trend', () => {
    const s = base(14);
    // From the onset the metric climbs 40 per hour (a leak), against 1 per day before.
    for (let i = ONSET; i < s.values.length; i++) s.values[i] = s.values[i]! + ((i - ONSET) * 40) / 12;
    assertFlaggedNearOnset(flagsOf(s), ONSET, 3 * NEAR, 'trend change');
  });

  it('flags a break of the daily cycle', () => {
    const s = base(15);
    // The daily cycle inverts: at the daily peak the value is now at the trough.
    const peak = 8 * POINTS_PER_DAY + POINTS_PER_DAY / 4;
    for (let i = peak - 36; i < s.values.length; i++) {
      const day = i / POINTS_PER_DAY;
      s.values[i] = s.values[i]! - 40 * Math.sin(2 * Math.PI * day);
    }
    assertFlaggedNearOnset(flagsOf(s), peak - 36, 48, 'seasonal break');
  });

  it('flags a wider noise near its onset', () => {
    const s = base(21);
    const normal = gaussian(prng(121));
    // From the onset the noise is about 2.2 times as wide (standard deviation 2 -> sqrt(2^2 + 4^2)), level and cycle as before.
    for (let i = ONSET; i < s.values.length; i++) s.values[i] = s.values[i]! + 4 * normal();
    assertFlaggedNearOnset(flagsOf(s), ONSET, 3 * NEAR, 'variance change');
  });

  it('combines evidence: the strongest in full, the runner-up by half', () => {
    assert.equal(combineSurprises(1, 8, 2, 4), 10);
    assert.equal(combineSurprises(6, 0, 0, 0), 6);
    assert.equal(combineSurprises(3, 3, 9, 1), 10.5);
  });

  it('flags a flat line', () => {
    const s = base(16);
    for (let i = ONSET; i < s.values.length; i++) s.values[i] = s.values[ONSET]!;
    assertFlaggedNearOnset(flagsOf(s), ONSET, 24, 'flat line');
  });

  it('ignores missing points and gaps, and still flags what comes after them', () => {
    const s = base(17);
    const timestamps: number[] = [];
    const values: number[] = [];
    s.timestamps.forEach((t, i) => {
      // A six-hour outage of the exporter, some single missing points, and NaN values.
      if (i >= 7 * POINTS_PER_DAY && i < 7 * POINTS_PER_DAY + 72) return;
      if (i % 97 === 0) return;
      timestamps.push(t);
      values.push(i % 89 === 0 ? Number.NaN : s.values[i]!);
    });
    const spikeAt = timestamps.findIndex((t) => t >= s.timestamps[ONSET]!);
    values[spikeAt] = values[spikeAt]! + 40;
    const gapped: Series = { timestamps, values };
    const flags = flagsOf(gapped);
    assert.deepEqual(flags.filter((i) => i !== spikeAt), [], `flags other than the spike: ${flags.join(',')}`);
    assert.ok(flags.includes(spikeAt), 'the spike after the gaps was not flagged');
    const scores = scoresOf(gapped);
    assert.ok(values.every((v, i) => Number.isFinite(v) || scores[i] === 0), 'a missing value scored above 0');
  });

  it('handles irregular sampling (jittered intervals) without flags', () => {
    const s = base(18);
    const jittered: Series = { timestamps: s.timestamps.map((t, i) => t + ((i * 7919) % 61) * 1000), values: s.values };
    assert.deepEqual(flagsOf(jittered), []);
  });

  it('is causal: scores of a prefix do not change when data is appended', () => {
    const s = base(19);
    const full = scoresOf(s);
    const cut = 6 * POINTS_PER_DAY;
    const prefix = scoresOf({ timestamps: s.timestamps.slice(0, cut), values: s.values.slice(0, cut) });
    assert.deepEqual(prefix, full.slice(0, cut));
    // A different future, with a large anomaly, leaves the past untouched too.
    const other: Series = { timestamps: [...s.timestamps], values: s.values.map((v, i) => (i >= cut ? v * 3 : v)) };
    assert.deepEqual(scoresOf(other).slice(0, cut), prefix);
  });

  it('suppresses repeated alerts for one sustained event', () => {
    const s = base(20);
    // A burst of spikes over one hour: one event.
    for (let i = ONSET; i < ONSET + 12; i += 2) s.values[i] = s.values[i]! + 60;
    const flags = flagsBetween(flagsOf(s), ONSET, ONSET + 24);
    assert.ok(flags.length >= 1 && flags.length <= 2, `flags in the burst: ${flags.join(',')}`);
  });

  it('treats duplicate and out-of-order timestamps as further observations', () => {
    const detector = createDetector();
    const t0 = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 500; i++) {
      const r = detector.update(t0 + Math.floor(i / 2) * STEP_MS, 10 + (i % 3));
      assert.ok(r.score >= 0 && r.score <= 1);
    }
    assert.ok(Number.isFinite(detector.update(t0, 11).score));
  });

  it('keeps scores finite and in [0, 1] on extreme inputs', () => {
    const detector = createDetector();
    const t0 = Date.UTC(2024, 0, 1);
    const values = [
      ...Array.from({ length: 400 }, () => 0),
      1e15, 0, -1e15, 0, 1e-300, Number.MAX_VALUE, -Number.MAX_VALUE, 0,
      ...Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1e-12 : 2e-12)),
    ];
    values.forEach((v, i) => {
      const r = detector.update(t0 + i * STEP_MS, v);
      assert.ok(Number.isFinite(r.score) && r.score >= 0 && r.score <= 1, `point ${i} (${v}) scored ${r.score}`);
    });
  });

  it('rejects invalid options, naming the field', () => {
    assert.throws(() => createDetector({ levelHorizon: 0 }), /levelHorizon/);
    assert.throws(() => createDetector({ threshold: 1.5 }), /threshold/);
    assert.throws(() => createDetector({ suppressionFactor: -1 }), /suppressionFactor/);
  });
});
