/**
 * Streaming anomaly detection: the public surface of `orchestrator/detect`.
 * Pure; the stage's I/O edge, `detect-runner.ts`, is imported by its path.
 */
export { createDetector } from './detector.ts';
export type { Detector, DetectorResult } from './detector.ts';
export { DEFAULT_DETECTOR_OPTIONS, PRODUCTION_THRESHOLD, resolveDetectorOptions } from './detector-options.ts';
export type { DetectorOptions } from './detector-options.ts';
export { STATE_LENGTH, STATE_VERSION } from './detector-state.ts';
export type { DetectorSnapshot } from './detector-state.ts';
