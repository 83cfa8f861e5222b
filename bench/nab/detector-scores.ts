/** Runs the production detector over one NAB series: the only place the bench creates detectors. */
import { createDetector } from '../../orchestrator/detect/detector.ts';

/** Scores one series with a fresh detector (default options): one score per row. */
export function scoreSeries(timestamps: readonly number[], values: readonly number[]): number[] {
  const detector = createDetector();
  return timestamps.map((t, i) => detector.update(t, values[i]!).score);
}
