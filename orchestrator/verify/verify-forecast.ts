import { createForecaster, predictedBreach, type SaturationLimit } from '../forecast/index.ts';
import { median, type SignalCheck, type Verification } from './verify-effect.ts';

/**
 * Did a proactive change help? It was made because a signal was forecast
 * to reach its limit within the horizon; it helped when, after it was
 * applied, either
 * - the forecast no longer predicts a breach within the horizon (the same
 *   forecaster, run over the signal's recent points), or
 * - the forecast cannot tell yet (the change moved the level, so the trend
 *   restarted and is warming up) and the signal's headroom (its distance to
 *   the limit) grew by at least a quarter;
 * and the signal never reached its limit after the change. A breach still
 * forecast within the horizon, or the limit reached, is not effective,
 * whatever the headroom. Pure: the caller passes the points.
 */

/** One forecast signal around the change. */
export interface ForecastWindow {
  readonly signalId: string;
  readonly limit: SaturationLimit;
  /** The series' recent points, oldest first. */
  readonly points: readonly { readonly timestamp: number; readonly value: number }[];
  /** Newest point's time when the change was applied: later points are "after". */
  readonly watermark: number;
  /** The horizon and confidence of the service's forecasts (`forecast.horizonMinutes`, `forecast.minConfidence`). */
  readonly horizonMs: number;
  readonly minConfidence: number;
}

export interface VerifyForecastOptions {
  /** Share by which the headroom must grow when the forecast cannot tell yet; default 0.25. */
  headroomGrowth?: number;
  /** Points before the change whose median is the headroom "before"; default 5. */
  beforePoints?: number;
  /** Points after the change that are skipped, as the system settles; default 1. */
  settlePoints?: number;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** The check of one forecast signal. */
export function checkForecast(w: ForecastWindow, options: VerifyForecastOptions = {}): SignalCheck {
  const growth = options.headroomGrowth ?? 0.25;
  const settle = options.settlePoints ?? 1;
  const id = w.signalId;
  const sign = w.limit.direction === 'up' ? 1 : -1;
  const headroom = (v: number) => sign * (w.limit.value - v);
  const before = w.points.filter((p) => p.timestamp <= w.watermark).slice(-(options.beforePoints ?? 5)).map((p) => p.value);
  const allAfter = w.points.filter((p) => p.timestamp > w.watermark).map((p) => p.value);
  const after = allAfter.length > settle ? allAfter.slice(settle) : allAfter;
  const b = median(before);
  const a = median(after);
  const levels = { ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) };
  if (a === undefined) return { signalId: id, verdict: 'no-data', ...levels, note: `${id}: no values after the change` };
  if (allAfter.some((v) => headroom(v) <= 0)) {
    return { signalId: id, verdict: 'worse', ...levels, note: `${id} reached its limit ${fmt(w.limit.value)} after the change` };
  }

  const forecaster = createForecaster();
  for (const p of w.points) forecaster.update(p.timestamp, p.value);
  const decision = predictedBreach(forecaster.forecast(w.limit), { horizonMs: w.horizonMs, minConfidence: w.minConfidence });
  if (decision.predicted) return { signalId: id, verdict: 'unchanged', ...levels, note: `${id} is still forecast to reach its limit ${fmt(w.limit.value)}: ${decision.summary}` };

  const room = b === undefined ? undefined : `headroom ${fmt(headroom(b))} before the change, ${fmt(headroom(a))} after (limit ${fmt(w.limit.value)})`;
  if (decision.reason !== 'warming-up') {
    return { signalId: id, verdict: 'improved', ...levels, note: `${id}: ${decision.summary}${room ? `; ${room}` : ''}` };
  }
  if (b !== undefined && headroom(a) >= (1 + growth) * headroom(b)) {
    return { signalId: id, verdict: 'improved', ...levels, note: `${id}: headroom grew by ${Math.round((headroom(a) / headroom(b) - 1) * 100)}% (${room}); the forecast restarted with the change and cannot tell yet` };
  }
  return {
    signalId: id,
    verdict: 'unchanged',
    ...levels,
    note: `${id}: the forecast cannot tell yet and the headroom did not grow by ${Math.round(growth * 100)}%${room ? ` (${room})` : ''}`,
  };
}

/** The verdict on a proactive change: effective when its primary (first) forecast signal improved and none got worse. */
export function verifyForecast(windows: readonly ForecastWindow[], options: VerifyForecastOptions = {}): Verification {
  const signals = windows.map((w) => checkForecast(w, options));
  const worse = signals.some((s) => s.verdict === 'worse');
  const outcome = signals[0]?.verdict === 'improved' && !worse ? 'effective' : 'not-effective';
  const summary =
    signals.length === 0
      ? 'proactive change: no forecast signal was named to verify'
      : `proactive change ${outcome === 'effective' ? 'effective' : 'not effective'}: ${signals.map((s) => s.note).join('; ')}`;
  return { outcome, signals, summary };
}
