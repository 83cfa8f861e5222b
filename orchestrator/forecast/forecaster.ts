/**
 * The streaming forecaster for saturating signals: one small, fixed-size state
 * per series, fed point by point, causal (a forecast uses only the points fed
 * so far).
 *
 * Per observation, in order:
 * 1. clock: learn the sampling interval, move the time origin to the new point
 *    and age the weights by the elapsed steps (a gap ages, a duplicate does not,
 *    a late point is placed at its own, earlier time);
 * 2. residual: the point against the line's prediction; beyond the Huber clip
 *    it counts at the clip, and a run of such points on one side is a change
 *    point: the line restarts from those recent points alone;
 * 3. learn: add the (clipped) point to the line, and the residual to the noise
 *    variance and its lag-1 autocovariance.
 *
 * `forecast(limit)` then solves the line against the limit (`breach-forecast.ts`).
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { checkLimit, forecastBreach } from './breach-forecast.ts';
import type { BreachForecast, SaturationLimit, TrendEstimate } from './breach-forecast.ts';
import { resolveForecastOptions } from './forecast-options.ts';
import type { ForecastOptions } from './forecast-options.ts';
import {
  F,
  MAX_RING,
  RING_TIME_OFFSET,
  RING_VALUE_OFFSET,
  createForecasterState,
  restoreForecasterState,
  snapshotForecasterState,
} from './forecaster-state.ts';
import type { ForecasterSnapshot } from './forecaster-state.ts';
import { normalQuantile } from './normal-distribution.ts';
import { addPoint, advanceOrigin, clearSums, predictRelative, solveTrend } from './trend-fit.ts';

/** A streaming forecaster for one series. */
export interface Forecaster {
  /** The options in force, defaults filled in. */
  readonly options: Readonly<ForecastOptions>;
  /**
   * Learns from one observation. Observations should come in time order; a
   * duplicate timestamp is one more point at that time, and an earlier one is
   * placed at its own time. A non-finite value or timestamp is a missing point:
   * it changes nothing.
   */
  update(timestampMs: number, value: number): void;
  /** The breach forecast for a limit, as of the latest observation. Throws a RangeError naming a bad `limit` field. */
  forecast(limit: SaturationLimit): BreachForecast;
  /** The current trend, or undefined while warming up. */
  trend(): TrendEstimate | undefined;
  /** The state as JSON-safe data, to persist and later pass to {@link createForecaster}. */
  snapshot(): ForecasterSnapshot;
  /** Bytes of numeric state this series holds. */
  stateBytes(): number;
}

const MINUTE_MS = 60_000;
/** How fast the learnt sampling interval follows changes (as the detector's clock). */
const STEP_LEARNING_RATE = 0.05;
/** Largest autocorrelation allowed for: beyond it the inflation (19x variance) would swamp every trend. */
const MAX_AUTOCORRELATION = 0.9;
/** Noise floor relative to the series' magnitude, so a perfectly straight line still has a finite, tiny uncertainty. */
const RELATIVE_NOISE_FLOOR = 1e-9;
/** Points before the noise statistics start: residuals of a line through one or two points say little about the noise. */
const NOISE_START = 4;

/**
 * Creates a forecaster, fresh or resumed from a snapshot.
 *
 * @param options - overrides of the defaults (`DEFAULT_FORECAST_OPTIONS`).
 * @param snapshot - state from {@link Forecaster.snapshot} of a forecaster with the same options.
 */
export function createForecaster(options: Partial<ForecastOptions> = {}, snapshot?: ForecasterSnapshot): Forecaster {
  const o = resolveForecastOptions(options);
  const state = snapshot === undefined ? createForecasterState() : restoreForecasterState(snapshot);
  const z = normalQuantile(0.5 + o.intervalLevel / 2);

  return {
    options: o,
    update: (timestampMs, value) => update(state, o, timestampMs, value),
    forecast: (limit) => forecast(state, o, z, limit),
    trend: () => trend(state, o),
    snapshot: () => snapshotForecasterState(state),
    stateBytes: () => state.byteLength,
  };
}

/** exp(-elapsed steps / memory) for `dtMs` of elapsed time. */
function keepFor(state: Float64Array, o: ForecastOptions, dtMs: number): number {
  const step = state[F.step]!;
  return step > 0 ? Math.exp(-dtMs / step / o.memorySteps) : 1;
}

function learnStep(state: Float64Array, dtMs: number): void {
  const step = state[F.step]!;
  // Clamped so that one gap (or burst) nudges the interval instead of redefining it.
  state[F.step] = step === 0 ? dtMs : step + STEP_LEARNING_RATE * (Math.min(Math.max(dtMs, 0.5 * step), 2 * step) - step);
}

function remember(state: Float64Array, timestampMs: number, value: number): void {
  const i = state[F.ringNext]!;
  state[RING_TIME_OFFSET + i] = timestampMs;
  state[RING_VALUE_OFFSET + i] = value;
  state[F.ringNext] = (i + 1) % MAX_RING;
}

/** A change point or a bend: the line restarts from the last `points` points, unclipped. */
function restartFromRecent(state: Float64Array, o: ForecastOptions, now: number, value: number, points: number): void {
  clearSums(state, value);
  for (let k = 0; k < points; k++) {
    const i = (state[F.ringNext]! - 1 - k + 2 * MAX_RING) % MAX_RING;
    const t = state[RING_TIME_OFFSET + i]!;
    const v = state[RING_VALUE_OFFSET + i]!;
    if (!Number.isFinite(t)) break;
    addPoint(state, (t - now) / MINUTE_MS, v - value, keepFor(state, o, now - t));
  }
  state[F.run] = 0;
  state[F.signRun] = 0;
  state[F.previousResidual] = Number.NaN;
}

function noiseVariance(state: Float64Array): number {
  const magnitude = Math.max(Math.abs(state[F.anchor]!), Math.abs(state[F.wy]! / Math.max(state[F.w]!, 1e-300)), 1e-12);
  return Math.max(state[F.residual2]!, (RELATIVE_NOISE_FLOOR * magnitude) ** 2);
}

/**
 * How long a one-sided run must be to mean a bend, for residuals of lag-1
 * autocorrelation `rho`: as unlikely by chance as `bendRun` independent
 * residuals on one side (neighbours share a side with probability
 * 1/2 + asin(rho)/pi). Wandering residuals need runs longer than the ring
 * holds, so on such series only clipped runs restart the line.
 */
function bendRunFor(o: ForecastOptions, rho: number): number {
  const r = Math.min(MAX_AUTOCORRELATION, Math.max(0, Number.isFinite(rho) ? rho : 0));
  const sameSide = 0.5 + Math.asin(r) / Math.PI;
  const needed = Math.ceil(((o.bendRun - 1) * Math.log(0.5)) / Math.log(sameSide)) + 1;
  return needed <= MAX_RING ? needed : Number.POSITIVE_INFINITY;
}

function update(state: Float64Array, o: ForecastOptions, timestampMs: number, value: number): void {
  if (!Number.isFinite(value) || !Number.isFinite(timestampMs)) return;
  const count = state[F.count]! + 1;
  state[F.count] = count;
  // 1. clock
  if (count === 1) {
    state[F.lastTime] = timestampMs;
    clearSums(state, value);
    addPoint(state, 0, 0, 1);
    remember(state, timestampMs, value);
    return;
  }
  const dtMs = timestampMs - state[F.lastTime]!;
  let x = 0;
  let weight = 1;
  if (dtMs > 0) {
    learnStep(state, dtMs);
    advanceOrigin(state, dtMs / MINUTE_MS, keepFor(state, o, dtMs));
    state[F.lastTime] = timestampMs;
  } else if (dtMs < 0) {
    // A late point: at its own time, with the weight its age gives it; it does not enter the run or noise statistics.
    x = dtMs / MINUTE_MS;
    weight = keepFor(state, o, -dtMs);
  }

  // 2. residual
  const y = value - state[F.anchor]!;
  const predicted = predictRelative(state, x);
  const residual = Number.isNaN(predicted) ? 0 : y - predicted;
  const scale = Math.sqrt(state[F.residual2]!);
  const warmed = count > o.minPoints && scale > 0;
  const clip = o.huberClip * scale;
  const clipped = warmed ? Math.min(clip, Math.max(-clip, residual)) : residual;
  if (dtMs < 0) {
    addPoint(state, x, Number.isNaN(predicted) ? y : predicted + clipped, weight);
    return;
  }
  remember(state, timestampMs, value);
  if (warmed && clipped !== residual) {
    const side = Math.sign(residual);
    const run = state[F.run]!;
    state[F.run] = Math.sign(run) === side ? run + side : side;
  } else {
    state[F.run] = 0;
  }
  if (Math.abs(state[F.run]!) >= o.changeRun) {
    restartFromRecent(state, o, timestampMs, value, o.changeRun);
    return;
  }
  // A bend: residuals too small to clip, but all on one side for a while.
  const side = warmed ? Math.sign(residual) : 0;
  const signRun = state[F.signRun]!;
  const continues = side !== 0 && Math.sign(signRun) === side;
  state[F.signRun] = continues ? signRun + side : side;
  // Judged by the residuals' autocorrelation before the run began: a bend's own run makes them look correlated.
  if (!continues) state[F.runRho] = state[F.lag1]! / noiseVariance(state);
  const needed = bendRunFor(o, state[F.runRho]!);
  if (Math.abs(state[F.signRun]!) >= needed) {
    restartFromRecent(state, o, timestampMs, value, needed);
    return;
  }

  // 3. learn
  addPoint(state, 0, Number.isNaN(predicted) ? y : predicted + clipped, 1);
  if (count >= NOISE_START) {
    const rate = 1 / Math.min(count - NOISE_START + 1, o.memorySteps);
    state[F.residual2] = state[F.residual2]! + rate * (clipped * clipped - state[F.residual2]!);
    const previous = state[F.previousResidual]!;
    if (!Number.isNaN(previous)) state[F.lag1] = state[F.lag1]! + rate * (clipped * previous - state[F.lag1]!);
    state[F.previousResidual] = clipped;
  }
}

function trend(state: Float64Array, o: ForecastOptions): TrendEstimate | undefined {
  if (state[F.count]! < o.minPoints || state[F.w]! < o.minPoints) return undefined;
  const noise = noiseVariance(state);
  const rho = Math.min(MAX_AUTOCORRELATION, Math.max(0, state[F.lag1]! / noise));
  const inflation = (1 + rho) / (1 - rho);
  const fit = solveTrend(state, noise * inflation);
  if (fit === undefined) return undefined;
  return { ...fit, noiseSd: Math.sqrt(noise), autocorrelationInflation: inflation };
}

function forecast(state: Float64Array, o: ForecastOptions, z: number, limit: SaturationLimit): BreachForecast {
  checkLimit(limit);
  const asOfMs = state[F.lastTime]!;
  const t = trend(state, o);
  if (t === undefined) return { kind: 'warming-up', asOfMs, limit, points: state[F.w]! };
  const reachMinutes = (o.maxExtrapolation * o.memorySteps * state[F.step]!) / MINUTE_MS;
  return forecastBreach(t, limit, asOfMs, z, reachMinutes);
}
