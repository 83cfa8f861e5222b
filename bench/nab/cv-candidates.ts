/**
 * The detector constants that `bench:nab --cv category` tunes inside the
 * cross-validation, next to the threshold: each fold picks, on its training
 * categories only, the candidate with the best standard score.
 *
 * Only the per-series calibration of surprises (`surprise-calibration.ts`) is
 * searched: its base and prior weight set how far a series' own history of
 * surprises moves its scores, which is a judgement about how much to trust a
 * short history, and the grid brackets the defaults on both sides. Every other
 * constant is fixed, so its in-sample choice is said where it is defined.
 */
import { DEFAULT_DETECTOR_OPTIONS } from '../../orchestrator/detect/detector-options.ts';
import type { DetectorOptions } from '../../orchestrator/detect/detector-options.ts';

/** One setting of the detector's constants, with a label for the report. */
export interface CvCandidate {
  readonly label: string;
  readonly options: Partial<DetectorOptions>;
}

const BASES = [3, 4, 5];
const PRIORS = [10, 30];

/** The candidates, the production defaults first (so a tie keeps them). */
export const CV_CANDIDATES: readonly CvCandidate[] = (() => {
  const all: CvCandidate[] = [];
  for (const calibrationBase of BASES) {
    for (const calibrationPrior of PRIORS) all.push({ label: `calibrationBase=${calibrationBase},calibrationPrior=${calibrationPrior}`, options: { calibrationBase, calibrationPrior } });
  }
  const isDefault = (c: CvCandidate): boolean =>
    c.options.calibrationBase === DEFAULT_DETECTOR_OPTIONS.calibrationBase && c.options.calibrationPrior === DEFAULT_DETECTOR_OPTIONS.calibrationPrior;
  return [...all.filter(isDefault), ...all.filter((c) => !isDefault(c))];
})();
