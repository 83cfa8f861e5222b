/** Runs the production detector over one NAB series: the only place the bench creates detectors. */
import { createDetector } from '../../orchestrator/detect/detector.ts';
import type { DetectorOptions } from '../../orchestrator/detect/detector-options.ts';

/** Scores one series with a fresh detector (default options unless overridden): one score per row. */
export function scoreSeries(timestamps: readonly number[], values: readonly number[], options: Partial<DetectorOptions> = {}): number[] {
  const detector = createDetector(options);
  return timestamps.map((t, i) => detector.update(t, values[i]!).score);
}
