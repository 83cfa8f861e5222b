/**
 * Options of the streaming forecaster, their defaults and validation.
 *
 * Like the detector's, horizons are counted in "steps" of the series' own
 * sampling interval (learnt online), so the same options fit 1-minute and
 * 5-minute metrics: the trend always rests on about the same number of points.
 */

/** Tunable behaviour of a forecaster. Every field is optional in {@link createForecaster}; see the defaults below. */
export interface ForecastOptions {
  /**
   * Memory (steps) of the local linear trend: points are weighted exp(-age / memorySteps).
   * Long enough that noise averages out, short enough that the trend of the last hour or hours
   * drives the forecast (60 one-minute points, or five hours of 5-minute points).
   * @defaultValue 60
   */
  memorySteps: number;
  /**
   * Effective number of points the trend must rest on before any forecast (also after a change point).
   * @defaultValue 12
   */
  minPoints: number;
  /**
   * Huber clipping, in residual standard deviations: a point further than this from the trend's
   * prediction counts as if it were at the clip, so one spike does not tilt the trend.
   * @defaultValue 3
   */
  huberClip: number;
  /**
   * Consecutive points beyond the clip on the same side that mark a change point (a step, or a new,
   * steeper fill): the trend then restarts from those points alone. At most {@link MAX_CHANGE_RUN}.
   * @defaultValue 5
   */
  changeRun: number;
  /**
   * Consecutive residuals on the same side of the trend, of any size, that mark a bend: the signal
   * has left the line gradually (a fill starting from a flat level, a fill speeding up), which no
   * single point shows. The trend then restarts from those points alone, instead of lagging the
   * new slope by its whole memory. At most {@link MAX_BEND_RUN}.
   * @defaultValue 12
   */
  bendRun: number;
  /**
   * Central probability of the time-to-breach interval; the slope must also be this clearly
   * (one-sided, (1 + level) / 2) toward the limit for any breach to be forecast.
   * @defaultValue 0.9
   */
  intervalLevel: number;
  /**
   * How far ahead a straight line is trusted, in multiples of the memory (memorySteps sampling intervals):
   * a breach further out is reported as "no breach expected" (reason `beyond-reach`).
   * @defaultValue 4
   */
  maxExtrapolation: number;
}

/** Longest change run allowed. */
export const MAX_CHANGE_RUN = 8;
/** Longest bend run the state has room for (its ring of recent points). */
export const MAX_BEND_RUN = 16;

/** Defaults of every option. */
export const DEFAULT_FORECAST_OPTIONS: Readonly<ForecastOptions> = Object.freeze({
  memorySteps: 60,
  minPoints: 12,
  huberClip: 3,
  changeRun: 5,
  bendRun: 12,
  intervalLevel: 0.9,
  maxExtrapolation: 4,
});

/** Merges options over the defaults and rejects values that would break the arithmetic, naming the option. */
export function resolveForecastOptions(options: Partial<ForecastOptions> = {}): ForecastOptions {
  const merged: ForecastOptions = { ...DEFAULT_FORECAST_OPTIONS, ...options };
  for (const key of ['memorySteps', 'huberClip', 'maxExtrapolation'] as const) {
    const v = merged[key];
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`forecast option ${key} must be a positive finite number, got ${v}`);
  }
  if (!Number.isFinite(merged.minPoints) || merged.minPoints < 3) {
    throw new RangeError(`forecast option minPoints must be a number of at least 3 (a line needs spread), got ${merged.minPoints}`);
  }
  if (!Number.isInteger(merged.changeRun) || merged.changeRun < 2 || merged.changeRun > MAX_CHANGE_RUN) {
    throw new RangeError(`forecast option changeRun must be an integer from 2 to ${MAX_CHANGE_RUN}, got ${merged.changeRun}`);
  }
  if (!Number.isInteger(merged.bendRun) || merged.bendRun < 4 || merged.bendRun > MAX_BEND_RUN) {
    throw new RangeError(`forecast option bendRun must be an integer from 4 to ${MAX_BEND_RUN}, got ${merged.bendRun}`);
  }
  if (!(merged.intervalLevel > 0 && merged.intervalLevel < 1)) {
    throw new RangeError(`forecast option intervalLevel must be in (0, 1), got ${merged.intervalLevel}`);
  }
  return merged;
}
