/** An observation the detector scored at or above its threshold: what the telemetry stage hands to correlation. */
export interface Anomaly {
  readonly seriesId: string;
  readonly stackKey: string;
  readonly signalId: string;
  /** Start of the metric period, ms since the epoch. */
  readonly timestamp: number;
  readonly value: number;
  /** Detector score in [0, 1]. */
  readonly score: number;
  /** The threshold the score reached. */
  readonly threshold: number;
}
