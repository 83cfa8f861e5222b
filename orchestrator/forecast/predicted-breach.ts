/**
 * The decision: does a forecast predict a breach within the horizon, with
 * enough confidence to open a *predicted* incident?
 *
 * Confidence is the probability, under the trend's uncertainty, that the line
 * is past the limit at the horizon: Phi((a + b H - L) / sd(a + b H)), with
 * level a and slope b taken toward the limit. Noise around the line is left
 * out on purpose: a single noisy point over the limit is not the saturation we
 * warn about, and counting it would make a flat, noisy signal near its limit
 * "predict" a breach.
 */
import { towardLimit } from './breach-forecast.ts';
import type { BreachForecast } from './breach-forecast.ts';
import { normalCdf } from './normal-distribution.ts';

/** Options of {@link predictedBreach}. */
export interface PredictedBreachOptions {
  /** How far ahead a breach opens a predicted incident, ms (the config's horizon, e.g. 30 minutes). Required. */
  readonly horizonMs: number;
  /**
   * Smallest probability that the trend is past the limit at the horizon.
   * @defaultValue 0.9
   */
  readonly minConfidence?: number;
}

/** Why no breach is predicted. */
export type NoPredictionReason = 'warming-up' | 'already-breached' | 'no-trend' | 'receding' | 'beyond-reach' | 'beyond-horizon' | 'not-confident';

/** The decision, with the figures a predicted incident would carry. */
export type BreachPrediction =
  | {
      readonly predicted: true;
      /** Point estimate of the time to breach, ms from the forecast's asOfMs. */
      readonly timeToBreachMs: number;
      readonly breachAtMs: number;
      readonly interval: { readonly earliestMs: number; readonly latestMs: number };
      /** Probability that the trend is past the limit at the horizon. */
      readonly confidence: number;
      readonly summary: string;
    }
  | {
      readonly predicted: false;
      readonly reason: NoPredictionReason;
      /** Same measure as above, 0 when there is no trend to judge. */
      readonly confidence: number;
      readonly summary: string;
    };

const MINUTE_MS = 60_000;
/** Default of {@link PredictedBreachOptions.minConfidence}. */
export const DEFAULT_MIN_CONFIDENCE = 0.9;

function minutes(ms: number): string {
  return `${(ms / MINUTE_MS).toFixed(1)} min`;
}

/** Whether `forecast` predicts a breach within `horizonMs`; throws a RangeError naming a bad option. */
export function predictedBreach(forecast: BreachForecast, options: PredictedBreachOptions): BreachPrediction {
  const { horizonMs } = options;
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  if (!Number.isFinite(horizonMs) || horizonMs <= 0) throw new RangeError(`predictedBreach option horizonMs must be a positive finite number, got ${horizonMs}`);
  if (!(minConfidence > 0 && minConfidence < 1)) throw new RangeError(`predictedBreach option minConfidence must be in (0, 1), got ${minConfidence}`);
  const within = `within ${minutes(horizonMs)}`;
  switch (forecast.kind) {
    case 'warming-up':
      return { predicted: false, reason: 'warming-up', confidence: 0, summary: `no breach expected ${within}: too few points for a trend yet` };
    case 'breached':
      return { predicted: false, reason: 'already-breached', confidence: 1, summary: `the signal is already at its limit ${forecast.limit.value}: an actual, not a predicted, saturation` };
    case 'no-breach': {
      const why = forecast.reason === 'receding' ? 'the trend is away from the limit' : forecast.reason === 'no-trend' ? 'no clear trend toward the limit' : 'the line meets the limit only beyond the trusted reach';
      return { predicted: false, reason: forecast.reason, confidence: 0, summary: `no breach expected ${within}: ${why}` };
    }
    case 'breach': {
      const t = forecast.trend;
      const { a, b } = towardLimit(t, forecast.limit);
      const h = horizonMs / MINUTE_MS;
      const limit = forecast.limit.direction === 'up' ? forecast.limit.value : -forecast.limit.value;
      const sd = Math.sqrt(Math.max(0, t.levelVariance + 2 * h * t.covariance + h * h * t.slopeVariance));
      const gap = a + b * h - limit;
      const confidence = sd > 0 ? normalCdf(gap / sd) : gap >= 0 ? 1 : 0;
      const eta = `breach in ${minutes(forecast.timeToBreachMs)} (${minutes(forecast.interval.earliestMs)} to ${minutes(forecast.interval.latestMs)})`;
      if (confidence >= minConfidence) {
        return {
          predicted: true,
          timeToBreachMs: forecast.timeToBreachMs,
          breachAtMs: forecast.breachAtMs,
          interval: forecast.interval,
          confidence,
          summary: `${eta}, ${(100 * confidence).toFixed(0)}% confident it happens ${within}`,
        };
      }
      const reason = forecast.timeToBreachMs > horizonMs ? 'beyond-horizon' : 'not-confident';
      return { predicted: false, reason, confidence, summary: `no breach expected ${within}: ${eta}, ${(100 * confidence).toFixed(0)}% confident it happens ${within}` };
    }
  }
}
