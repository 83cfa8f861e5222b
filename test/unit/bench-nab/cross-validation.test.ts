import assert from 'node:assert/strict';
import {
  categoryOf,
  chooseThresholds,
  combineHeldOut,
  crossValidateByCategory,
  flagRate,
  scoreAtThresholds,
  splitByCategory,
  thresholdsForFold,
} from '../../../bench/nab/cross-validation.ts';
import { scoreNab } from '../../../bench/nab/scorer.ts';
import type { NabFileInput } from '../../../bench/nab/scorer.ts';

const MIN = 60_000;
const ROWS = 100; // probation: the first 15 rows

/** A 100-row file, one row a minute, scores 0.1 except at `spikes` (row -> score), with windows over the given row ranges. */
function series(key: string, windows: [number, number][], spikes: Record<number, number>): NabFileInput {
  const timestamps = Array.from({ length: ROWS }, (_, i) => i * MIN);
  const scores = timestamps.map((_, i) => spikes[i] ?? 0.1);
  return { key, timestamps, scores, windows: windows.map(([a, b]) => [a * MIN, b * MIN] as [number, number]) };
}

/**
 * Three categories whose labels pull the threshold different ways. Every file
 * has a decoy score of 0.2 at row 25, which only a relabelled window (rows
 * 20..29) makes worth flagging.
 * - alpha: windows caught at 0.65 and 0.45, a false alarm at 0.3;
 * - beta: a window caught at 0.7, false alarms at 0.95 and 0.8;
 * - gamma: a window caught at 0.6, false alarms at 0.5 and 0.45.
 */
function corpus(): NabFileInput[] {
  return [
    series('alpha/a1.csv', [[50, 59]], { 25: 0.2, 50: 0.65, 80: 0.3 }),
    series('beta/b1.csv', [[50, 59]], { 25: 0.2, 50: 0.7, 80: 0.95 }),
    series('gamma/g1.csv', [[40, 49]], { 25: 0.2, 40: 0.6, 70: 0.5, 90: 0.45 }),
    series('alpha/a2.csv', [[30, 39]], { 25: 0.2, 31: 0.45 }),
    series('beta/b2.csv', [], { 25: 0.2, 60: 0.8 }),
  ];
}

/** The same file with labels and scores that throw when read: proof that a step never looks at them. */
function poisoned(f: NabFileInput): NabFileInput {
  return {
    key: f.key,
    get timestamps(): readonly number[] {
      throw new Error(`timestamps of held-out ${f.key} were read`);
    },
    get scores(): readonly number[] {
      throw new Error(`scores of held-out ${f.key} were read`);
    },
    get windows(): readonly (readonly [number, number])[] {
      throw new Error(`labels of held-out ${f.key} were read`);
    },
  };
}

/** The same file with its window moved elsewhere: valid, but different labels. */
function relabelled(f: NabFileInput): NabFileInput {
  return { ...f, windows: [[20 * MIN, 29 * MIN]] };
}

const byCategory = (inputs: readonly NabFileInput[], category: string, change: (f: NabFileInput) => NabFileInput): NabFileInput[] =>
  inputs.map((f) => (categoryOf(f.key) === category ? change(f) : f));

describe('NAB cross-validation by category', () => {
  describe('categoryOf', () => {
    const cases: { key: string; expected: string | RegExp }[] = [
      { key: 'realTweets/Twitter_volume_AAPL.csv', expected: 'realTweets' },
      { key: 'a/b/c.csv', expected: 'a' },
      { key: 'plain.csv', expected: /no category folder/ },
      { key: '/rooted.csv', expected: /no category folder/ },
    ];
    for (const c of cases) {
      it(`${c.key} -> ${String(c.expected)}`, () => {
        if (typeof c.expected === 'string') assert.equal(categoryOf(c.key), c.expected);
        else assert.throws(() => categoryOf(c.key), c.expected);
      });
    }
  });

  describe('splitByCategory', () => {
    const cases: { name: string; keys: string[]; expected: { category: string; train: string[]; heldOut: string[] }[] | RegExp }[] = [
      {
        name: 'interleaved categories give one fold each, sorted, input order kept inside',
        keys: ['b/1.csv', 'a/1.csv', 'c/1.csv', 'b/2.csv', 'a/2.csv'],
        expected: [
          { category: 'a', train: ['b/1.csv', 'c/1.csv', 'b/2.csv'], heldOut: ['a/1.csv', 'a/2.csv'] },
          { category: 'b', train: ['a/1.csv', 'c/1.csv', 'a/2.csv'], heldOut: ['b/1.csv', 'b/2.csv'] },
          { category: 'c', train: ['b/1.csv', 'a/1.csv', 'b/2.csv', 'a/2.csv'], heldOut: ['c/1.csv'] },
        ],
      },
      {
        name: 'two categories',
        keys: ['x/1.csv', 'y/1.csv'],
        expected: [
          { category: 'x', train: ['y/1.csv'], heldOut: ['x/1.csv'] },
          { category: 'y', train: ['x/1.csv'], heldOut: ['y/1.csv'] },
        ],
      },
      { name: 'one category cannot be cross-validated', keys: ['x/1.csv', 'x/2.csv'], expected: /at least two categories/ },
      { name: 'no files', keys: [], expected: /at least two categories/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const inputs = c.keys.map((key) => ({ key }));
        if (c.expected instanceof RegExp) {
          assert.throws(() => splitByCategory(inputs), c.expected);
          return;
        }
        const folds = splitByCategory(inputs);
        assert.deepEqual(
          folds.map((f) => ({ category: f.category, train: f.train.map((i) => i.key), heldOut: f.heldOut.map((i) => i.key) })),
          c.expected,
        );
        // Every file is held out exactly once and never trained on in its own fold.
        assert.deepEqual(folds.flatMap((f) => f.heldOut.map((i) => i.key)).sort(), [...c.keys].sort());
        for (const f of folds) {
          assert.ok(f.train.every((i) => !f.heldOut.includes(i)));
          assert.deepEqual(f.trainCategories, [...new Set(f.train.map((i) => categoryOf(i.key)))].sort());
        }
      });
    }
  });

  describe('thresholds of a fold are chosen on the other categories only', () => {
    for (const category of ['alpha', 'beta', 'gamma']) {
      it(`holding out ${category}: its poisoned files are never read, and relabelling them changes nothing`, () => {
        const clean = corpus();
        const expected = chooseThresholds(clean.filter((f) => categoryOf(f.key) !== category));
        // Any read of a held-out file's timestamps, scores or labels throws.
        assert.deepEqual(thresholdsForFold(byCategory(clean, category, poisoned), category), expected);
        assert.deepEqual(thresholdsForFold(byCategory(clean, category, relabelled), category), expected);
        assert.deepEqual(thresholdsForFold(clean, category), expected);
      });
    }

    it('is sensitive to the training labels (so the checks above can fail)', () => {
      const clean = corpus();
      // Moving beta's windows onto its 0.2 decoys makes them worth a low threshold: the threshold chosen without alpha must move.
      assert.notDeepEqual(thresholdsForFold(byCategory(clean, 'beta', relabelled), 'alpha'), thresholdsForFold(clean, 'alpha'));
      // And the poison does throw when a fold would read it.
      assert.throws(() => thresholdsForFold(byCategory(clean, 'beta', poisoned), 'alpha'), /of held-out beta/);
    });

    it('differs between folds on this corpus (the folds are not all the in-sample threshold)', () => {
      const clean = corpus();
      const all = ['alpha', 'beta', 'gamma'].map((c) => JSON.stringify(thresholdsForFold(clean, c)));
      assert.ok(new Set(all).size > 1, all.join(' '));
    });
  });

  describe('crossValidateByCategory', () => {
    it('uses, per fold, the thresholds of the training categories and scores the held-out files at them', () => {
      const clean = corpus();
      const cv = crossValidateByCategory(clean);
      assert.deepEqual(
        cv.folds.map((f) => f.category),
        ['alpha', 'beta', 'gamma'],
      );
      for (const fold of cv.folds) {
        assert.deepEqual(fold.thresholds, thresholdsForFold(clean, fold.category));
        const heldOut = clean.filter((f) => categoryOf(f.key) === fold.category);
        assert.deepEqual(
          fold.heldOut.map((r) => r.raw),
          scoreAtThresholds(heldOut, fold.thresholds).map((r) => r.raw),
        );
      }
      assert.deepEqual(
        cv.inSample.map((r) => r.threshold),
        chooseThresholds(clean),
      );
    });

    for (const category of ['alpha', 'beta', 'gamma']) {
      it(`relabelling ${category} moves only its own held-out score, never its fold's thresholds`, () => {
        const before = crossValidateByCategory(corpus());
        const after = crossValidateByCategory(byCategory(corpus(), category, relabelled));
        const fold = (cv: typeof before) => cv.folds.find((f) => f.category === category)!;
        assert.deepEqual(fold(after).thresholds, fold(before).thresholds);
        assert.notDeepEqual(
          fold(after).heldOut.map((r) => r.raw),
          fold(before).heldOut.map((r) => r.raw),
        );
      });
    }

    const thresholds = [0.05, 0.3, 0.45, 0.6, 0.9, Infinity];
    for (const t of thresholds) {
      it(`combines held-out parts like NAB scores the whole corpus (every fold at ${t})`, () => {
        const clean = corpus();
        const whole = scoreNab(clean, { kind: 'fixed', threshold: t });
        const folds = splitByCategory(clean).map((f) => ({
          category: f.category,
          candidate: 'defaults',
          trainCategories: f.trainCategories,
          files: f.heldOut.length,
          thresholds: [t, t, t],
          heldOut: scoreAtThresholds(f.heldOut, [t, t, t]),
        }));
        const combined = combineHeldOut(folds, scoreNab(clean, { kind: 'optimised' }));
        combined.forEach((c, p) => {
          const w = whole[p]!;
          assert.ok(Math.abs(c.raw - w.raw) < 1e-12, `${c.profile}: raw ${c.raw} vs ${w.raw}`);
          assert.ok(Math.abs(c.normalised - w.normalised) < 1e-9, `${c.profile}: ${c.normalised} vs ${w.normalised}`);
          assert.equal(c.null, w.null);
          assert.equal(c.perfect, w.perfect);
          assert.equal(c.windows, w.windows);
          assert.equal(c.windowsDetected, w.windowsDetected);
          assert.equal(c.falsePositiveRows, w.falsePositiveRows);
        });
      });
    }
  });

  describe('flagRate', () => {
    const cases: { name: string; series: number[][]; threshold: number; flagged: number; rows: number; per1000: number }[] = [
      { name: 'counts rows at or above the threshold over all series', series: [[0, 0.5, 0.7], [0.49, 0.5]], threshold: 0.5, flagged: 3, rows: 5, per1000: 600 },
      { name: 'never fires at Infinity', series: [[1, 1]], threshold: Infinity, flagged: 0, rows: 2, per1000: 0 },
      { name: 'no rows is undefined, not zero', series: [], threshold: 0.5, flagged: 0, rows: 0, per1000: Number.NaN },
    ];
    for (const c of cases) {
      it(c.name, () => {
        assert.deepEqual(flagRate(c.series, c.threshold), { flagged: c.flagged, rows: c.rows, per1000: c.per1000 });
      });
    }
  });
});
