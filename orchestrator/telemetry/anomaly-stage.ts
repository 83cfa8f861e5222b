import { createDetector, type Detector, type DetectorOptions } from '../detect/index.ts';
import type { Anomaly } from './anomaly.ts';
import type { ScorePoint } from './score-window.ts';
import type { MetricPoint } from './series.ts';
import type { TelemetryEvent, TelemetrySink } from './telemetry-poller.ts';
import type { StoredDetectorState, TelemetryStore } from './telemetry-store.ts';

/**
 * Runs each series through its own streaming detector and reports the
 * points it scores as anomalous. Detector state is kept per series and
 * saved in the telemetry store after each batch, so a restarted process
 * resumes each series where it stopped. A point at or before the last one
 * a series' detector learnt from is skipped, so a batch delivered twice
 * changes nothing.
 */
export interface AnomalyStageDeps {
  readonly store: TelemetryStore;
  /** Receives the anomalies of each batch (possibly none are passed: it is called only when there is one). */
  readonly onAnomalies: (anomalies: readonly Anomaly[]) => Promise<void> | void;
  /** Options of every detector; see `DEFAULT_DETECTOR_OPTIONS`. */
  readonly detectorOptions?: Partial<DetectorOptions>;
  /** Told when a stored state cannot be restored (for example after a detector format change) and the series starts afresh. */
  readonly onWarning?: (message: string) => void;
  /**
   * Receives every score of a batch (anomalous or not), for the dashboard's
   * score line, once the batch is scored and its state saved. Not awaited: a
   * slow or failing write never holds up detection (a failure is a warning).
   */
  readonly onScores?: (scores: ScorePoint[]) => Promise<void>;
}

export interface AnomalyStage {
  /** Scores a batch of points (per series in time order); returns its anomalies after saving state. */
  handlePoints(points: readonly MetricPoint[]): Promise<Anomaly[]>;
  /** A poller sink: points go through the detectors, alarm events are ignored. */
  readonly sink: TelemetrySink;
  /** Series held in memory. */
  size(): number;
  /** Drops the states held in memory: the next batch reads them from the store (after another process has read and scored meanwhile). */
  forget(): void;
}

interface Tracked {
  detector: Detector;
  lastTimestamp: number;
}

export function createAnomalyStage(deps: AnomalyStageDeps): AnomalyStage {
  const tracked = new Map<string, Tracked>();

  function restore(seriesId: string, stored: StoredDetectorState | undefined): Tracked {
    if (stored) {
      try {
        return { detector: createDetector(deps.detectorOptions, stored.snapshot), lastTimestamp: stored.lastTimestamp };
      } catch (err) {
        deps.onWarning?.(`detector state of ${seriesId} not restored (${(err as Error).message}); starting afresh`);
      }
    }
    return { detector: createDetector(deps.detectorOptions), lastTimestamp: -Infinity };
  }

  async function handlePoints(points: readonly MetricPoint[]): Promise<Anomaly[]> {
    const ids = [...new Set(points.map((p) => p.seriesId))];
    const missing = ids.filter((id) => !tracked.has(id));
    if (missing.length > 0) {
      const stored = await deps.store.detectorStates(missing);
      for (const id of missing) tracked.set(id, restore(id, stored.get(id)));
    }
    const anomalies: Anomaly[] = [];
    const touched = new Set<string>();
    const scores: ScorePoint[] = [];
    const keepScores = deps.onScores !== undefined;
    for (const p of points) {
      const t = tracked.get(p.seriesId)!;
      if (!(p.timestamp > t.lastTimestamp)) continue;
      const r = t.detector.update(p.timestamp, p.value);
      t.lastTimestamp = p.timestamp;
      touched.add(p.seriesId);
      if (keepScores) scores.push({ seriesId: p.seriesId, timestamp: p.timestamp, score: r.score });
      if (r.isAnomaly) {
        anomalies.push({ seriesId: p.seriesId, stackKey: p.stackKey, signalId: p.signalId, timestamp: p.timestamp, value: p.value, score: r.score, threshold: t.detector.options.threshold });
      }
    }
    try {
      if (anomalies.length > 0) await deps.onAnomalies(anomalies);
      const states = new Map<string, StoredDetectorState>();
      for (const id of touched) {
        const t = tracked.get(id)!;
        states.set(id, { lastTimestamp: t.lastTimestamp, snapshot: t.detector.snapshot() });
      }
      if (states.size > 0) await deps.store.saveDetectorStates(states);
    } catch (err) {
      // Forget what this batch taught: the stored state is the truth, and the batch comes again.
      for (const id of touched) tracked.delete(id);
      throw err;
    }
    if (scores.length > 0) deps.onScores?.(scores).catch((err: unknown) => deps.onWarning?.(`anomaly scores not stored: ${(err as Error).message}`));
    return anomalies;
  }

  return {
    handlePoints,
    sink: async (event: TelemetryEvent) => {
      if (event.kind === 'points') await handlePoints(event.points);
    },
    size: () => tracked.size,
    forget: () => tracked.clear(),
  };
}
