/**
 * Which health signals are forecast, and when a forecast becomes a predicted
 * breach for correlation. Pure: the forecast stage (`telemetry/forecast-stage.ts`)
 * does the I/O and calls these.
 */
import type { PredictedBreach } from '../correlate/predicted-breach.ts';
import type { HealthSignal } from '../../stacks/contract.ts';
import type { BreachForecast, SaturationLimit } from './breach-forecast.ts';
import { predictedBreach } from './predicted-breach.ts';

/** What a saturating signal is, from the stack contract's view. */
export type SaturatingSignal = Pick<HealthSignal, 'role' | 'limit' | 'higherIsWorse'>;

/**
 * The limit a signal saturates at, or undefined when the signal is not forecast:
 * only `utilisation` and `saturation` signals with a finite `limit` are. A signal
 * where higher is worse breaches upwards (CPU, used disk); otherwise downwards (free disk).
 */
export function saturationLimitOf(signal: SaturatingSignal): SaturationLimit | undefined {
  if (signal.role !== 'utilisation' && signal.role !== 'saturation') return undefined;
  if (signal.limit === undefined || !Number.isFinite(signal.limit)) return undefined;
  return { value: signal.limit, direction: signal.higherIsWorse ? 'up' : 'down' };
}

/** How far ahead, and how surely, a breach must be forecast to be reported. */
export interface BreachWatchOptions {
  /** The service config's `forecast.horizonMinutes`, in ms. */
  readonly horizonMs: number;
  /** The service config's `forecast.minConfidence`; see `predictedBreach`. */
  readonly minConfidence: number;
}

/** The point a forecast was made at: the newest point of its series. */
export interface ForecastPoint {
  readonly seriesId: string;
  readonly stackKey: string;
  readonly signalId: string;
  readonly timestamp: number;
  readonly value: number;
}

/**
 * The predicted breach to hand to correlation for a series' forecast, or
 * undefined when `predictedBreach` does not predict one within the horizon
 * (warming up, already at the limit, no trend, receding, too far, not confident).
 */
export function predictedBreachOf(point: ForecastPoint, signal: SaturatingSignal, forecast: BreachForecast, options: BreachWatchOptions): PredictedBreach | undefined {
  const limit = saturationLimitOf(signal);
  if (limit === undefined) return undefined;
  const decision = predictedBreach(forecast, { horizonMs: options.horizonMs, minConfidence: options.minConfidence });
  if (!decision.predicted) return undefined;
  return {
    seriesId: point.seriesId,
    stackKey: point.stackKey,
    signalId: point.signalId,
    role: signal.role,
    timestamp: point.timestamp,
    value: point.value,
    limit: limit.value,
    direction: limit.direction,
    timeToBreachMs: decision.timeToBreachMs,
    interval: { earliestMs: decision.interval.earliestMs, latestMs: decision.interval.latestMs },
    confidence: decision.confidence,
    horizonMs: options.horizonMs,
    summary: decision.summary,
  };
}
