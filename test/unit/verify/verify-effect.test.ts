import assert from 'node:assert/strict';
import { checkSignal, median, verifyEffect } from '../../../orchestrator/verify/verify-effect.ts';
import type { SignalVerdict, SignalWindow, VerifyOptions } from '../../../orchestrator/verify/verify-effect.ts';

/**
 * A signal's window: `before` and `during` as flat levels (three points each, or none),
 * `after` as given. The first `after` point is skipped as settling by default, so
 * cases lead with a point that would change the verdict if it were counted.
 */
function win(signalId: string, direction: 'down' | 'up', levels: { before?: number; during?: number; after: number[] }): SignalWindow {
  const flat = (v: number | undefined) => (v === undefined ? [] : [v, v, v]);
  return { effect: { signalId, direction }, before: flat(levels.before), during: flat(levels.during), after: levels.after };
}

/** A CPU-like signal (expected to fall) that went from 20 (null: not known) to 90 and then to `after` (after a settling point of 500). */
const cpu = (after: number, before: number | null = 20) => win('cpu', 'down', { before: before ?? undefined, during: 90, after: [500, after, after] });
/** A throughput-like signal (expected to rise) that fell from 100 (null: not known) to 40 and then moved to `after` (after a settling point of 0). */
const throughput = (after: number, before: number | null = 100) => win('throughput', 'up', { before: before ?? undefined, during: 40, after: [0, after, after] });

describe('verify: did the change help', () => {
  describe('median', () => {
    const cases: { name: string; values: number[]; want: number | undefined }[] = [
      { name: 'is undefined for no values', values: [], want: undefined },
      { name: 'is the middle value of an odd count, whatever the order', values: [3, 1, 2], want: 2 },
      { name: 'is the mean of the two middle values of an even count', values: [4, 1, 3, 2], want: 2.5 },
      { name: 'ignores values that are not finite', values: [1, Number.NaN, 3, Number.POSITIVE_INFINITY], want: 2 },
      { name: 'is undefined when no value is finite', values: [Number.NaN, Number.NEGATIVE_INFINITY], want: undefined },
    ];
    for (const c of cases) it(c.name, () => assert.equal(median(c.values), c.want));

    it('does not reorder the values it is given', () => {
      const values = [3, 1, 2];
      median(values);
      assert.deepEqual(values, [3, 1, 2]);
    });
  });

  describe('one signal', () => {
    const cases: { name: string; window: SignalWindow; options?: VerifyOptions; want: SignalVerdict; note: RegExp }[] = [
      // down: 20 before, 90 during; half way back is 55.
      { name: 'down: improved when it recovers exactly half way back to the pre-incident level', window: cpu(55), want: 'improved', note: /^cpu improved: 90\.0 → 55\.0 \(before the incident 20\.0\)$/ },
      { name: 'down: improved when it recovers all the way', window: cpu(20), want: 'improved', note: /^cpu improved/ },
      { name: 'down: unchanged when it recovers less than half way', window: cpu(56), want: 'unchanged', note: /^cpu did not recover enough: 90\.0 → 56\.0/ },
      { name: 'down: unchanged when it stays where it was', window: cpu(90), want: 'unchanged', note: /did not recover enough/ },
      { name: 'down: unchanged when it moves the wrong way by less than 10% of the incident level', window: cpu(98), want: 'unchanged', note: /did not recover enough/ },
      { name: 'down: worse when it moves the wrong way by 10% of the incident level', window: cpu(99), want: 'worse', note: /^cpu got worse: 90\.0 → 99\.0/ },
      // up: 100 before, 40 during; half way back is 70.
      { name: 'up: improved when it recovers exactly half way back to the pre-incident level', window: throughput(70), want: 'improved', note: /^throughput improved: 40\.0 → 70\.0 \(before the incident 100\)$/ },
      { name: 'up: unchanged when it recovers less than half way', window: throughput(69), want: 'unchanged', note: /did not recover enough/ },
      { name: 'up: unchanged when it falls by less than 10% of the incident level', window: throughput(37), want: 'unchanged', note: /did not recover enough/ },
      { name: 'up: worse when it falls by 10% of the incident level', window: throughput(36), want: 'worse', note: /^throughput got worse: 40\.0 → 36\.0/ },
      // Without a pre-incident level, a 10% move of the incident level counts.
      { name: 'down without a pre-incident level: improved by a 10% fall', window: cpu(81, null), want: 'improved', note: /^cpu improved: 90\.0 → 81\.0$/ },
      { name: 'down without a pre-incident level: unchanged by a smaller fall', window: cpu(82, null), want: 'unchanged', note: /did not recover enough/ },
      { name: 'down without a pre-incident level: worse by a 10% rise', window: cpu(99, null), want: 'worse', note: /got worse/ },
      { name: 'up without a pre-incident level: improved by a 10% rise', window: throughput(44, null), want: 'improved', note: /improved/ },
      { name: 'up without a pre-incident level: worse by a 10% fall', window: throughput(36, null), want: 'worse', note: /got worse/ },
      {
        name: 'falls back to the 10% move when the incident did not move the signal away from its pre-incident level',
        window: cpu(81, 90),
        want: 'improved',
        note: /improved/,
      },
      // Options.
      { name: 'honours a stricter recover share', window: cpu(55), options: { recoverShare: 0.9 }, want: 'unchanged', note: /did not recover enough/ },
      { name: 'honours a larger relative change', window: cpu(81, null), options: { relativeChange: 0.2 }, want: 'unchanged', note: /did not recover enough/ },
      // No data.
      { name: 'no-data when nothing was measured after the change', window: win('cpu', 'down', { before: 20, during: 90, after: [] }), want: 'no-data', note: /^cpu: no values after the change$/ },
      { name: 'no-data when nothing was measured during the incident', window: win('cpu', 'down', { before: 20, after: [30, 30] }), want: 'no-data', note: /^cpu: no values during the incident$/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const check = checkSignal(c.window, c.options);
        assert.equal(check.verdict, c.want, check.note);
        assert.equal(check.signalId, c.window.effect.signalId);
        assert.match(check.note, c.note);
      });
    }

    it('reports the median levels before, during and after', () => {
      const check = checkSignal(win('cpu', 'down', { before: 20, during: 90, after: [500, 40, 60, 50] }));
      assert.deepEqual([check.before, check.during, check.after], [20, 90, 50]);
    });

    it('leaves the pre-incident level out when it is not known', () => {
      const check = checkSignal(cpu(50, null));
      assert.equal('before' in check, false);
      assert.deepEqual([check.during, check.after], [90, 50]);
    });

    it('leaves every level out when there is no data', () => {
      const check = checkSignal(win('cpu', 'down', { before: 20, during: 90, after: [] }));
      assert.deepEqual(Object.keys(check).sort(), ['note', 'signalId', 'verdict']);
    });
  });

  describe('settling', () => {
    // 90 during, 20 before: a spike right after the change must not count as worse.
    const spiky = [200, 50, 50];
    const cases: { name: string; after: number[]; settlePoints?: number; want: SignalVerdict; level: number }[] = [
      { name: 'skips the first point after the change by default', after: spiky, want: 'improved', level: 50 },
      { name: 'counts every point with settlePoints 0', after: [200, 50], settlePoints: 0, want: 'worse', level: 125 },
      { name: 'skips as many points as asked', after: [200, 200, 50], settlePoints: 2, want: 'improved', level: 50 },
      { name: 'uses every point when there are no more than the settling points', after: [50], want: 'improved', level: 50 },
      { name: 'uses every point when there are exactly as many as the settling points', after: [200, 50], settlePoints: 2, want: 'worse', level: 125 },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const check = checkSignal(win('cpu', 'down', { before: 20, during: 90, after: c.after }), c.settlePoints === undefined ? {} : { settlePoints: c.settlePoints });
        assert.equal(check.verdict, c.want, check.note);
        assert.equal(check.after, c.level);
      });
    }
  });

  describe('the whole change', () => {
    const latency = (after: number) => win('latency', 'down', { before: 100, during: 800, after: [2000, after, after] });
    const cases: { name: string; windows: SignalWindow[]; want: 'effective' | 'not-effective'; verdicts: SignalVerdict[]; summary: RegExp }[] = [
      { name: 'is effective when its only signal improved', windows: [cpu(40)], want: 'effective', verdicts: ['improved'], summary: /^effective: cpu improved/ },
      {
        name: 'is effective when the primary signal improved and the others did not get worse',
        windows: [cpu(40), latency(780)],
        want: 'effective',
        verdicts: ['improved', 'unchanged'],
        summary: /^effective: cpu improved: .*; latency did not recover enough: /,
      },
      { name: 'is effective when every signal improved', windows: [cpu(40), latency(200)], want: 'effective', verdicts: ['improved', 'improved'], summary: /^effective: / },
      {
        name: 'is not effective when only a secondary signal improved',
        windows: [cpu(80), latency(200)],
        want: 'not-effective',
        verdicts: ['unchanged', 'improved'],
        summary: /^not effective: cpu did not recover enough: .*; latency improved/,
      },
      {
        name: 'is not effective when the primary signal improved but a secondary got worse',
        windows: [cpu(40), latency(1000)],
        want: 'not-effective',
        verdicts: ['improved', 'worse'],
        summary: /^not effective: cpu improved: .*; latency got worse/,
      },
      { name: 'is not effective when the primary signal got worse', windows: [cpu(120)], want: 'not-effective', verdicts: ['worse'], summary: /^not effective: cpu got worse/ },
      {
        name: 'is not effective when the primary signal has no data, whatever the others did',
        windows: [win('cpu', 'down', { before: 20, during: 90, after: [] }), latency(200)],
        want: 'not-effective',
        verdicts: ['no-data', 'improved'],
        summary: /^not effective: cpu: no values after the change; latency improved/,
      },
      { name: 'is not effective when no signal was named', windows: [], want: 'not-effective', verdicts: [], summary: /^no signal was named to verify$/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const v = verifyEffect(c.windows);
        assert.equal(v.outcome, c.want, v.summary);
        assert.deepEqual(
          v.signals.map((s) => s.verdict),
          c.verdicts,
        );
        assert.match(v.summary, c.summary);
      });
    }

    it('passes its options on to every signal', () => {
      assert.equal(verifyEffect([cpu(55)]).outcome, 'effective');
      assert.equal(verifyEffect([cpu(55)], { recoverShare: 0.9 }).outcome, 'not-effective');
    });
  });
});
