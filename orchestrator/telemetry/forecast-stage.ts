import type { PredictedBreach } from '../correlate/predicted-breach.ts';
import { createForecaster, predictedBreachOf, saturationLimitOf, type ForecastOptions, type Forecaster, type SaturatingSignal } from '../forecast/index.ts';
import { seriesOf, type WatchedStack } from './series.ts';
import type { StoredForecasterState, TelemetryStore } from './telemetry-store.ts';

/**
 * Runs each saturating series (a `utilisation` or `saturation` signal with a
 * `limit` in its stack's contract) through its own streaming forecaster, fed
 * by the same points as the detectors, and reports the series whose newest
 * point predicts a breach within the horizon. Like the anomaly stage:
 * forecaster state is kept per series and saved in the telemetry store after
 * each batch (beside the detector state), a point at or before the last one
 * a forecaster learnt from is skipped (a batch delivered twice changes
 * nothing), and a batch whose predictions could not be handed over is
 * forgotten, to be learnt again when it comes again.
 */
export interface ForecastStageDeps {
  readonly store: TelemetryStore;
  /** The watched stacks and their contracts, read for each batch (a stack applied since may have new signals). */
  readonly stacks: () => Promise<readonly WatchedStack[]> | readonly WatchedStack[];
  /** Receives the predicted breaches of a batch (called only when there is one): at most one per series, at its newest point. */
  readonly onPredictions: (predictions: readonly PredictedBreach[]) => Promise<void> | void;
  /** A breach is reported when predicted within this long, ms (config `forecast.horizonMinutes`). */
  readonly horizonMs: number;
  /** Smallest confidence of a reported breach (config `forecast.minConfidence`). */
  readonly minConfidence: number;
  /** Options of every forecaster; see `DEFAULT_FORECAST_OPTIONS`. */
  readonly forecastOptions?: Partial<ForecastOptions>;
  /** Told when a stored state cannot be restored (for example after a format change) and the series starts afresh. */
  readonly onWarning?: (message: string) => void;
}

/** One point of one series: a `MetricPoint`, or anything that names its series. */
export interface SeriesPoint {
  readonly seriesId: string;
  readonly timestamp: number;
  readonly value: number;
}

export interface ForecastStage {
  /**
   * Forecasts a batch of points (per series in time order); returns its predicted breaches after saving
   * state. Points of series that are not saturating signals of a watched stack are passed over.
   */
  handlePoints(points: readonly SeriesPoint[]): Promise<PredictedBreach[]>;
  /** Series held in memory. */
  size(): number;
  /** Drops the states held in memory: the next batch reads them from the store (after another process has forecast meanwhile). */
  forget(): void;
}

interface Tracked {
  forecaster: Forecaster;
  lastTimestamp: number;
}

export function createForecastStage(deps: ForecastStageDeps): ForecastStage {
  const tracked = new Map<string, Tracked>();

  function restore(seriesId: string, stored: StoredForecasterState | undefined): Tracked {
    if (stored) {
      try {
        return { forecaster: createForecaster(deps.forecastOptions, stored.snapshot), lastTimestamp: stored.lastTimestamp };
      } catch (err) {
        deps.onWarning?.(`forecaster state of ${seriesId} not restored (${(err as Error).message}); starting afresh`);
      }
    }
    return { forecaster: createForecaster(deps.forecastOptions), lastTimestamp: -Infinity };
  }

  async function handlePoints(points: readonly SeriesPoint[]): Promise<PredictedBreach[]> {
    const stacks = await deps.stacks();
    const signals = new Map<string, { stackKey: string; signalId: string; signal: SaturatingSignal }>();
    for (const spec of seriesOf(stacks)) {
      const signal = stacks.find((s) => s.stackKey === spec.stackKey)?.healthSignals.find((h) => h.id === spec.signalId);
      if (signal && saturationLimitOf(signal)) signals.set(spec.seriesId, { stackKey: spec.stackKey, signalId: spec.signalId, signal });
    }
    const saturating = points.filter((p) => signals.has(p.seriesId));
    if (saturating.length === 0) return [];

    const ids = [...new Set(saturating.map((p) => p.seriesId))];
    const missing = ids.filter((id) => !tracked.has(id));
    if (missing.length > 0) {
      const stored = await deps.store.forecasterStates(missing);
      for (const id of missing) tracked.set(id, restore(id, stored.get(id)));
    }
    // 1. learn every new point; remember each series' newest one.
    const newest = new Map<string, SeriesPoint>();
    for (const p of saturating) {
      const t = tracked.get(p.seriesId)!;
      if (!(p.timestamp > t.lastTimestamp)) continue;
      t.forecaster.update(p.timestamp, p.value);
      t.lastTimestamp = p.timestamp;
      newest.set(p.seriesId, p);
    }
    // 2. decide, once per series, as of its newest point.
    const predictions: PredictedBreach[] = [];
    for (const [id, p] of newest) {
      const { stackKey, signalId, signal } = signals.get(id)!;
      const limit = saturationLimitOf(signal)!;
      const point = { seriesId: id, stackKey, signalId, timestamp: p.timestamp, value: p.value };
      const prediction = predictedBreachOf(point, signal, tracked.get(id)!.forecaster.forecast(limit), { horizonMs: deps.horizonMs, minConfidence: deps.minConfidence });
      if (prediction) predictions.push(prediction);
    }
    // 3. hand over, then save.
    try {
      if (predictions.length > 0) await deps.onPredictions(predictions);
      const states = new Map<string, StoredForecasterState>();
      for (const id of newest.keys()) {
        const t = tracked.get(id)!;
        states.set(id, { lastTimestamp: t.lastTimestamp, snapshot: t.forecaster.snapshot() });
      }
      if (states.size > 0) await deps.store.saveForecasterStates(states);
    } catch (err) {
      // Forget what this batch taught: the stored state is the truth, and the batch comes again.
      for (const id of newest.keys()) tracked.delete(id);
      throw err;
    }
    return predictions;
  }

  return { handlePoints, size: () => tracked.size, forget: () => tracked.clear() };
}
