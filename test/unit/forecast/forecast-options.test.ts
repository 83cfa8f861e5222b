import assert from 'node:assert/strict';
import { createForecaster } from '../../../orchestrator/forecast/forecaster.ts';
import type { BreachForecast, SaturationLimit } from '../../../orchestrator/forecast/breach-forecast.ts';
import { FORECAST_STATE_LENGTH, FORECAST_STATE_VERSION } from '../../../orchestrator/forecast/forecaster-state.ts';
import { predictedBreach } from '../../../orchestrator/forecast/predicted-breach.ts';
import { START, line } from './saturating-series.ts';

describe('forecaster options, limits and state', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ memorySteps: 0 }, /forecast option memorySteps must be a positive finite number, got 0/],
    [{ memorySteps: Number.NaN }, /memorySteps/],
    [{ huberClip: -1 }, /forecast option huberClip/],
    [{ maxExtrapolation: Infinity }, /forecast option maxExtrapolation/],
    [{ minPoints: 2 }, /forecast option minPoints must be a number of at least 3/],
    [{ changeRun: 9 }, /forecast option changeRun must be an integer from 2 to 8, got 9/],
    [{ changeRun: 2.5 }, /changeRun/],
    [{ bendRun: 17 }, /forecast option bendRun must be an integer from 4 to 16, got 17/],
    [{ bendRun: 3 }, /bendRun/],
    [{ intervalLevel: 1 }, /forecast option intervalLevel must be in \(0, 1\), got 1/],
  ];
  for (const [options, message] of bad) {
    it(`rejects ${JSON.stringify(options)} with a RangeError naming the option`, () => {
      assert.throws(() => createForecaster(options), (e: unknown) => e instanceof RangeError && message.test(e.message));
    });
  }

  it('rejects a limit without a finite value or a known direction, naming the field', () => {
    const f = createForecaster();
    assert.throws(() => f.forecast({ value: Number.NaN, direction: 'up' }), /limit\.value must be a finite number/);
    assert.throws(() => f.forecast({ value: 1, direction: 'sideways' } as unknown as SaturationLimit), /limit\.direction must be "up" or "down", got sideways/);
  });

  it('rejects predictedBreach options that make no sense, naming the option', () => {
    const forecast: BreachForecast = createForecaster().forecast({ value: 1, direction: 'up' });
    assert.throws(() => predictedBreach(forecast, { horizonMs: 0 }), /predictedBreach option horizonMs must be a positive finite number, got 0/);
    assert.throws(() => predictedBreach(forecast, { horizonMs: 60_000, minConfidence: 1.5 }), /predictedBreach option minConfidence must be in \(0, 1\), got 1\.5/);
  });

  it('ignores missing values and timestamps', () => {
    const f = createForecaster();
    const s = line({ points: 50, start: 10, slopePerMinute: 1 });
    s.timestamps.forEach((t, i) => {
      f.update(t, s.values[i]!);
      f.update(t, Number.NaN);
      f.update(Number.NaN, 5);
    });
    const forecast = f.forecast({ value: 100, direction: 'up' });
    assert.ok(forecast.kind === 'breach' && Math.abs(forecast.timeToBreachMs / 60_000 - 41) < 1e-6);
    assert.equal(forecast.asOfMs, START + 49 * 60_000);
  });

  it('holds a fixed state well under 4 KB, whose JSON is small too', () => {
    const f = createForecaster();
    const before = f.stateBytes();
    const s = line({ points: 5000, start: 10, slopePerMinute: 0.01, noise: 1 });
    s.timestamps.forEach((t, i) => f.update(t, s.values[i]!));
    assert.equal(f.stateBytes(), before);
    assert.equal(before, FORECAST_STATE_LENGTH * 8);
    assert.ok(before < 1024, `state is ${before} bytes`);
    assert.ok(JSON.stringify(f.snapshot()).length < 1024);
  });

  it('refuses a snapshot of another version or shape, naming the field', () => {
    const good = createForecaster().snapshot();
    assert.throws(() => createForecaster({}, { ...good, version: FORECAST_STATE_VERSION + 1 }), /forecaster snapshot\.version is 3, this build reads 2/);
    assert.throws(() => createForecaster({}, { ...good, values: good.values.slice(1) }), /forecaster snapshot\.values must hold/);
  });
});
