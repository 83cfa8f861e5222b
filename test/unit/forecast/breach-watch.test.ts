import assert from 'node:assert/strict';
import { predictedBreachOf, saturationLimitOf } from '../../../orchestrator/forecast/breach-watch.ts';
import { createForecaster } from '../../../orchestrator/forecast/forecaster.ts';
import { MINUTE, line } from './saturating-series.ts';

const OPTIONS = { horizonMs: 30 * MINUTE, minConfidence: 0.9 };
const point = (timestamp: number, value: number) => ({ seriesId: 's|disk', stackKey: 'infra/./sandbox', signalId: 'disk', timestamp, value });

function forecastOf(series: ReturnType<typeof line>, limit: { value: number; direction: 'up' | 'down' }) {
  const f = createForecaster();
  series.values.forEach((v, i) => f.update(series.timestamps[i]!, v));
  return f.forecast(limit);
}

describe('breach watch', () => {
  describe('which signals are forecast', () => {
    const cases = [
      { name: 'utilisation with a limit, higher is worse: breaches upwards', signal: { role: 'utilisation', limit: 100, higherIsWorse: true }, limit: { value: 100, direction: 'up' } },
      { name: 'saturation with a limit, lower is worse (free space): breaches downwards', signal: { role: 'saturation', limit: 0, higherIsWorse: false }, limit: { value: 0, direction: 'down' } },
      { name: 'utilisation without a limit: not forecast', signal: { role: 'utilisation', higherIsWorse: true }, limit: undefined },
      { name: 'errors, even with a limit: not forecast', signal: { role: 'errors', limit: 100, higherIsWorse: true }, limit: undefined },
      { name: 'demand: not forecast', signal: { role: 'demand', limit: 1000, higherIsWorse: false }, limit: undefined },
    ] as const;
    for (const c of cases) it(c.name, () => assert.deepEqual(saturationLimitOf(c.signal), c.limit));
  });

  it('a steady fill 20 minutes from its limit is a predicted breach, with the series, limit, time to breach and interval', () => {
    // 40% + 1%/min for 40 minutes: 79% at the last point, the limit 21 minutes ahead.
    const fill = line({ points: 40, start: 40, slopePerMinute: 1, noise: 0.5, seed: 7 });
    const last = fill.values.length - 1;
    const p = predictedBreachOf(point(fill.timestamps[last]!, fill.values[last]!), { role: 'utilisation', limit: 100, higherIsWorse: true }, forecastOf(fill, { value: 100, direction: 'up' }), OPTIONS);
    assert.ok(p, 'predicted');
    assert.equal(p.signalId, 'disk');
    assert.equal(p.limit, 100);
    assert.equal(p.direction, 'up');
    assert.equal(p.timestamp, fill.timestamps[last]);
    assert.ok(Math.abs(p.timeToBreachMs / MINUTE - 21) < 3, `${p.timeToBreachMs / MINUTE} min`);
    assert.ok(p.interval.earliestMs <= p.timeToBreachMs && p.timeToBreachMs <= p.interval.latestMs);
    assert.equal(p.horizonMs, 30 * MINUTE);
    assert.match(p.summary, /breach in/);
  });

  it('the same fill two hours from its limit is not (beyond the horizon)', () => {
    const fill = line({ points: 40, start: 0, slopePerMinute: 0.5, noise: 0.5, seed: 7 });
    const last = fill.values.length - 1;
    assert.equal(predictedBreachOf(point(fill.timestamps[last]!, fill.values[last]!), { role: 'utilisation', limit: 100, higherIsWorse: true }, forecastOf(fill, { value: 100, direction: 'up' }), OPTIONS), undefined);
  });

  it('a flat, noisy signal near its limit is not', () => {
    const flat = line({ points: 60, start: 85, slopePerMinute: 0, noise: 3, seed: 11 });
    const last = flat.values.length - 1;
    assert.equal(predictedBreachOf(point(flat.timestamps[last]!, flat.values[last]!), { role: 'utilisation', limit: 100, higherIsWorse: true }, forecastOf(flat, { value: 100, direction: 'up' }), OPTIONS), undefined);
  });
});
