import assert from 'node:assert/strict';
import { createForecaster } from '../../../orchestrator/forecast/forecaster.ts';
import type { Forecaster } from '../../../orchestrator/forecast/forecaster.ts';
import type { BreachForecast, SaturationLimit } from '../../../orchestrator/forecast/breach-forecast.ts';
import { predictedBreach } from '../../../orchestrator/forecast/predicted-breach.ts';
import { MINUTE, START, gaussian, line } from './saturating-series.ts';
import type { Series } from './saturating-series.ts';

const UP_100: SaturationLimit = { value: 100, direction: 'up' };
const HORIZON = { horizonMs: 30 * MINUTE };

function feed(f: Forecaster, s: Series, from = 0, to = s.values.length): Forecaster {
  for (let i = from; i < to; i++) f.update(s.timestamps[i]!, s.values[i]!);
  return f;
}

function minutesToBreach(forecast: BreachForecast): number {
  assert.equal(forecast.kind, 'breach', `expected a breach forecast, got ${JSON.stringify(forecast)}`);
  return forecast.kind === 'breach' ? forecast.timeToBreachMs / MINUTE : Number.NaN;
}

describe('forecaster', () => {
  describe('a steady fill', () => {
    // 20% + 0.5%/min: reaches 100% at minute 160.
    const fill = line({ points: 140, start: 20, slopePerMinute: 0.5, noise: 2, seed: 3 });

    it('predicts the breach time within a few minutes, with the truth inside the interval', () => {
      const f = feed(createForecaster(), fill);
      const forecast = f.forecast(UP_100);
      const eta = minutesToBreach(forecast);
      // The last point is minute 139: the truth is 21 minutes ahead.
      assert.ok(Math.abs(eta - 21) < 3, `time to breach ${eta.toFixed(1)} min, truth 21`);
      assert.ok(forecast.kind === 'breach' && forecast.interval.earliestMs <= 21 * MINUTE && forecast.interval.latestMs >= 21 * MINUTE);
      assert.equal(forecast.kind === 'breach' && forecast.breachAtMs, forecast.asOfMs + forecast.timeToBreachMs);
    });

    it('is a predicted breach within a 30-minute horizon, and "beyond the horizon" an hour earlier', () => {
      const now = predictedBreach(feed(createForecaster(), fill).forecast(UP_100), HORIZON);
      assert.equal(now.predicted, true, now.summary);
      assert.ok(now.confidence >= 0.9);
      const earlier = predictedBreach(feed(createForecaster(), fill, 0, 80).forecast(UP_100), HORIZON);
      assert.equal(earlier.predicted, false);
      assert.equal(!earlier.predicted && earlier.reason, 'beyond-horizon');
      assert.match(earlier.summary, /no breach expected within 30\.0 min/);
    });

    it('keeps tracking when the sampling is irregular and timestamps repeat', () => {
      const jitter = gaussian(8);
      const f = createForecaster();
      let t = START;
      for (let minute = 0; minute < 140; minute += 0.5 + Math.abs(jitter())) {
        t = START + minute * MINUTE;
        f.update(t, 20 + 0.5 * minute);
        f.update(t, 20 + 0.5 * minute); // the same point delivered twice
      }
      const eta = minutesToBreach(f.forecast(UP_100));
      const truth = 160 - (t - START) / MINUTE;
      assert.ok(Math.abs(eta - truth) < 1, `time to breach ${eta.toFixed(2)} min, truth ${truth.toFixed(2)}`);
    });
  });

  describe('signals that must not warn', () => {
    const cases: [string, Series][] = [
      ['flat', line({ points: 600, start: 70, slopePerMinute: 0 })],
      ['noisy but trendless, near the limit', line({ points: 600, start: 85, slopePerMinute: 0, noise: 4, seed: 11 })],
      ['receding', line({ points: 600, start: 95, slopePerMinute: -0.05, noise: 1, seed: 12 })],
    ];
    for (const [name, series] of cases) {
      it(`${name}: never a predicted breach, and says so explicitly`, () => {
        const f = createForecaster();
        for (let i = 0; i < series.values.length; i++) {
          f.update(series.timestamps[i]!, series.values[i]!);
          const decision = predictedBreach(f.forecast(UP_100), HORIZON);
          assert.equal(decision.predicted, false, `minute ${i}: ${decision.summary}`);
          assert.match(decision.summary, /^no breach expected within 30\.0 min/);
        }
      });
    }

    it('autocorrelated wander (AR(1) noise) near the limit: never a predicted breach', () => {
      const noise = gaussian(21);
      const f = createForecaster();
      let e = 0;
      for (let i = 0; i < 3000; i++) {
        e = 0.9 * e + noise();
        f.update(START + i * MINUTE, 88 + e);
        const decision = predictedBreach(f.forecast(UP_100), HORIZON);
        assert.equal(decision.predicted, false, `minute ${i}: ${decision.summary}`);
      }
    });

    it('a receding series names the reason; a flat one says no trend; a new one is warming up', () => {
      const recede = feed(createForecaster(), line({ points: 100, start: 90, slopePerMinute: -0.2, noise: 0.5 })).forecast(UP_100);
      assert.equal(recede.kind === 'no-breach' && recede.reason, 'receding');
      const flat = feed(createForecaster(), line({ points: 100, start: 50, slopePerMinute: 0, noise: 0.5 })).forecast(UP_100);
      assert.equal(flat.kind === 'no-breach' && flat.reason, 'no-trend');
      const fresh = feed(createForecaster(), line({ points: 5, start: 50, slopePerMinute: 1 })).forecast(UP_100);
      assert.equal(fresh.kind, 'warming-up');
    });

    it('a single spike does not tilt the trend into a warning', () => {
      const s = line({ points: 300, start: 60, slopePerMinute: 0, noise: 1, seed: 5 });
      s.values[250] = 99;
      const f = createForecaster();
      for (let i = 0; i < 300; i++) {
        f.update(s.timestamps[i]!, s.values[i]!);
        assert.equal(predictedBreach(f.forecast(UP_100), HORIZON).predicted, false, `minute ${i}`);
      }
    });

    it('an already saturated signal is "breached", not predicted', () => {
      const forecast = feed(createForecaster(), line({ points: 50, start: 101, slopePerMinute: 0, noise: 0.1 })).forecast(UP_100);
      assert.equal(forecast.kind, 'breached');
      assert.equal(predictedBreach(forecast, HORIZON).predicted, false);
    });
  });

  describe('gaps, steps and restarts', () => {
    it('a 40-minute gap keeps the estimate (less sure, not lost)', () => {
      const s = line({ points: 150, start: 20, slopePerMinute: 0.5, noise: 1, seed: 4 });
      const before = feed(createForecaster(), s, 0, 100);
      const etaBefore = minutesToBreach(before.forecast(UP_100)); // truth 61 at minute 99
      // Nothing from minute 100 to 139, then one point at minute 140.
      before.update(s.timestamps[140]!, s.values[140]!);
      const eta = minutesToBreach(before.forecast(UP_100));
      assert.ok(Math.abs(etaBefore - 61) < 3, `before the gap ${etaBefore.toFixed(1)}`);
      assert.ok(Math.abs(eta - 20) < 3, `after the gap ${eta.toFixed(1)} min, truth 20`);
    });

    it('a step then a fill: the trend restarts at the change point instead of averaging across it', () => {
      // Flat at 30 for 3 hours, a step to 50, then +1%/min: breach at minute 230.
      const f = createForecaster();
      const noise = gaussian(9);
      for (let m = 0; m < 215; m++) f.update(START + m * MINUTE, (m < 180 ? 30 : 50 + (m - 180)) + 0.5 * noise());
      const eta = minutesToBreach(f.forecast(UP_100));
      assert.ok(Math.abs(eta - 16) < 3, `time to breach ${eta.toFixed(1)} min, truth 16`);
    });

    it('a fill that starts from a flat level without a step: the trend restarts at the bend instead of lagging it', () => {
      // Flat at 40 for 5 hours, then +0.25%/min from minute 300: breach at minute 540. No run of
      // points is far enough off the line to be clipped; the run of points above it shows the bend.
      // (Without the bend restart this forecaster said 83 minutes at minute 480, the flat hours
      // still in its line.)
      const noise = gaussian(21);
      const f = createForecaster();
      for (let m = 0; m <= 480; m++) f.update(START + m * MINUTE, (m < 300 ? 40 : 40 + 0.25 * (m - 300)) + 2 * noise());
      const eta = minutesToBreach(f.forecast(UP_100));
      assert.ok(Math.abs(eta - 60) < 6, `time to breach ${eta.toFixed(1)} min an hour ahead, truth 60`);
    });

    it('restarts from a JSON snapshot exactly where it left off', () => {
      const s = line({ points: 140, start: 20, slopePerMinute: 0.5, noise: 2, seed: 6 });
      const whole = feed(createForecaster(), s);
      const first = feed(createForecaster(), s, 0, 70);
      const resumed = createForecaster({}, JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<Forecaster['snapshot']>);
      feed(resumed, s, 70);
      assert.deepEqual(resumed.forecast(UP_100), whole.forecast(UP_100));
    });
  });

  describe('downward limits', () => {
    it('free disk falling to zero: the breach is when it runs out', () => {
      // 500 GB free, 2 GB a minute written (with noise): empty at minute 250.
      const s = line({ points: 230, start: 500, slopePerMinute: -2, noise: 3, seed: 7 });
      const forecast = feed(createForecaster(), s).forecast({ value: 0, direction: 'down' });
      const eta = minutesToBreach(forecast);
      assert.ok(Math.abs(eta - 21) < 3, `time to breach ${eta.toFixed(1)} min, truth 21`);
      assert.equal(predictedBreach(forecast, HORIZON).predicted, true);
      // Rising free space is receding from a downward limit.
      const refill = feed(createForecaster(), line({ points: 100, start: 10, slopePerMinute: 1, noise: 1 })).forecast({ value: 0, direction: 'down' });
      assert.equal(refill.kind === 'no-breach' && refill.reason, 'receding');
    });
  });
});
