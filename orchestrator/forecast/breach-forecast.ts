/**
 * From a fitted trend and a limit to a forecast of the breach: when the line
 * meets the limit, with an interval, or an explicit "no breach expected".
 *
 * The interval is Fieller's: the set of times T at which "the line is at the
 * limit" cannot be rejected at the chosen level, i.e. the roots of
 * (b T - d)^2 = z^2 Var(a + b T), with d the distance from the level to the
 * limit. It widens with the slope's uncertainty (a nearly flat line gives a
 * long, lopsided interval) and with the level's (a level already close to the
 * limit may be there now). It is finite exactly when the slope is clearly
 * (at that level) toward the limit, which is also when a breach is forecast.
 */
import type { TrendFit } from './trend-fit.ts';

/** Which way the signal breaches: `up` for CPU, memory, used disk, queue depth; `down` for free disk, free memory. */
export type BreachDirection = 'up' | 'down';

/** Where a signal saturates (the stack contract's `limit`), and from which side. */
export interface SaturationLimit {
  readonly value: number;
  readonly direction: BreachDirection;
}

/** The trend behind a forecast, in the series' units and minutes. */
export interface TrendEstimate extends TrendFit {
  /** Robust standard deviation of a point around the line (before the autocorrelation allowance). */
  readonly noiseSd: number;
  /** Factor by which autocorrelation of the residuals inflates the estimates' variances (1 for independent noise). */
  readonly autocorrelationInflation: number;
}

/** Why no breach is expected. */
export type NoBreachReason =
  /** The slope is not clearly different from flat (noise, or a trend too weak to tell). */
  | 'no-trend'
  /** The slope is clearly away from the limit. */
  | 'receding'
  /** The line meets the limit, but further ahead than a straight line is trusted. */
  | 'beyond-reach';

interface ForecastBase {
  /** Time of the latest observation: every duration below counts from it. */
  readonly asOfMs: number;
  readonly limit: SaturationLimit;
}

/** Not enough points (or no spread in time) for a trend yet. */
export interface WarmingUpForecast extends ForecastBase {
  readonly kind: 'warming-up';
  /** Effective number of points behind the trend so far. */
  readonly points: number;
}

/** The trend's level is already at or past the limit: not a prediction, an actual saturation. */
export interface BreachedForecast extends ForecastBase {
  readonly kind: 'breached';
  readonly trend: TrendEstimate;
}

/** No breach expected within reach, for the reason given. */
export interface NoBreachForecast extends ForecastBase {
  readonly kind: 'no-breach';
  readonly reason: NoBreachReason;
  readonly trend: TrendEstimate;
  /** For `beyond-reach`: where the line meets the limit (ms from asOfMs), for information only. */
  readonly timeToBreachMs?: number;
}

/** A breach expected: the line meets the limit after {@link BreachExpectedForecast.timeToBreachMs}. */
export interface BreachExpectedForecast extends ForecastBase {
  readonly kind: 'breach';
  readonly trend: TrendEstimate;
  /** Point estimate, ms from asOfMs. */
  readonly timeToBreachMs: number;
  /** asOfMs + timeToBreachMs. */
  readonly breachAtMs: number;
  /** Interval of the time to breach (ms from asOfMs) at the forecaster's `intervalLevel`; earliest may be 0. */
  readonly interval: { readonly earliestMs: number; readonly latestMs: number };
}

/** What the forecaster says about one signal and one limit. */
export type BreachForecast = WarmingUpForecast | BreachedForecast | NoBreachForecast | BreachExpectedForecast;

const MINUTE_MS = 60_000;

/** Throws a RangeError naming the field when a limit cannot be used. */
export function checkLimit(limit: SaturationLimit): void {
  if (limit === null || typeof limit !== 'object') throw new RangeError('forecast limit must be an object { value, direction }');
  if (!Number.isFinite(limit.value)) throw new RangeError(`forecast limit.value must be a finite number, got ${String(limit.value)}`);
  if (limit.direction !== 'up' && limit.direction !== 'down') {
    throw new RangeError(`forecast limit.direction must be "up" or "down", got ${String(limit.direction)}`);
  }
}

/**
 * The trend seen from the limit's side: level `a`, slope `b` (per minute)
 * and distance `d` to the limit, all positive toward a breach.
 */
export function towardLimit(trend: TrendFit, limit: SaturationLimit): { a: number; b: number; d: number } {
  const g = limit.direction === 'up' ? 1 : -1;
  return { a: g * trend.level, b: g * trend.slopePerMinute, d: g * (limit.value - trend.level) };
}

/**
 * The forecast for one limit.
 *
 * @param z - normal quantile of the interval (1.645 for 90%).
 * @param reachMinutes - furthest a straight line is trusted.
 */
export function forecastBreach(trend: TrendEstimate, limit: SaturationLimit, asOfMs: number, z: number, reachMinutes: number): BreachForecast {
  const { b, d } = towardLimit(trend, limit);
  if (d <= 0) return { kind: 'breached', asOfMs, limit, trend };
  const va = trend.levelVariance;
  const vb = trend.slopeVariance;
  // Flipping the sign of both level and slope leaves their covariance unchanged.
  const c = trend.covariance;
  const se = Math.sqrt(vb);
  if (!(b > z * se)) return { kind: 'no-breach', reason: b < -z * se ? 'receding' : 'no-trend', asOfMs, limit, trend };
  const eta = d / b;
  if (eta > reachMinutes) return { kind: 'no-breach', reason: 'beyond-reach', asOfMs, limit, trend, timeToBreachMs: eta * MINUTE_MS };
  // Fieller: (b^2 - z^2 vb) T^2 - 2 (b d + z^2 c) T + (d^2 - z^2 va) = 0; A > 0 because the slope is clear.
  const A = b * b - z * z * vb;
  const half = b * d + z * z * c;
  const C = d * d - z * z * va;
  const root = Math.sqrt(Math.max(0, half * half - A * C));
  const earliest = Math.max(0, Math.min(eta, (half - root) / A));
  const latest = Math.max(eta, (half + root) / A);
  return {
    kind: 'breach',
    asOfMs,
    limit,
    trend,
    timeToBreachMs: eta * MINUTE_MS,
    breachAtMs: asOfMs + eta * MINUTE_MS,
    interval: { earliestMs: earliest * MINUTE_MS, latestMs: latest * MINUTE_MS },
  };
}
