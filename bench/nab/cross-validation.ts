/**
 * Leave-one-category-out cross-validation of the NAB threshold and of a small
 * set of candidate detector constants.
 *
 * What is tuned: the alert threshold, one per NAB profile, by the scorer's
 * sweep over every distinct anomaly score (`scoreNab(..., { kind: 'optimised' })`),
 * and, when the caller passes several candidates (each the detector's scores of
 * every file under one setting of its constants, see `cv-candidates.ts`), which
 * candidate is used: the one whose optimised standard score on the training
 * files is highest. The detector runs once per file and candidate; every fold
 * only picks a candidate and re-thresholds its cached scores.
 *
 * For each category C: the candidate and the thresholds are chosen on the files
 * of every other category (C's labels are never passed to the optimiser), then
 * C's files are scored with that candidate at those thresholds.
 *
 * How the held-out scores are combined: NAB scores a corpus as one number,
 * `100 * (raw - null) / (perfect - null)`, where `raw` is the sum over all files
 * of window rewards, missed-window costs and false-positive costs, `null` the raw
 * score of the best constant detector over the same files and `perfect` one
 * `tp` per window (see `scorer.ts`, which does the same as the reference
 * `nab-score.mjs`). Every term of `raw` belongs to exactly one file (each window
 * and each flagged row lies in one file; probation is per file), so the raw
 * score of the union of held-out sets, each at its own fold's threshold, is the
 * sum of the folds' held-out raw scores. The union of held-out sets is the whole
 * corpus, so `null` and `perfect` are the corpus's. The cross-validated score is
 * therefore NAB's normalised score over all files with per-fold thresholds, not a
 * mean of per-fold normalised scores (which would weigh a one-window category
 * like a thirty-window one, and is undefined for a category without windows).
 *
 * Pure: takes arrays, returns numbers. `cv-mode.ts` does the file I/O.
 */
import { NAB_PROFILES, scoreNab } from './scorer.ts';
import type { NabFileInput, NabProfileResult } from './scorer.ts';

/** The category of a file key: its first path segment (`realTweets/x.csv` -> `realTweets`). Throws when the key has none. */
export function categoryOf(key: string): string {
  const slash = key.indexOf('/');
  if (slash <= 0) throw new Error(`file key "${key}" has no category folder (expected <category>/<name>.csv)`);
  return key.slice(0, slash);
}

/** One fold: the category held out, the files tuned on and the files scored. */
export interface CategoryFold<T> {
  /** The held-out category. */
  readonly category: string;
  /** Categories of the training files, sorted. */
  readonly trainCategories: readonly string[];
  /** Files of every other category, in input order. */
  readonly train: readonly T[];
  /** Files of the held-out category, in input order. */
  readonly heldOut: readonly T[];
}

/**
 * Splits files into leave-one-category-out folds, one per category, sorted by
 * category name. Reads only `key`. Throws with fewer than two categories (a fold
 * would have nothing to tune on).
 */
export function splitByCategory<T extends { readonly key: string }>(inputs: readonly T[]): CategoryFold<T>[] {
  const categories = [...new Set(inputs.map((i) => categoryOf(i.key)))].sort();
  if (categories.length < 2) throw new Error(`cross-validation by category needs at least two categories, got ${categories.length}`);
  return categories.map((category) => ({
    category,
    trainCategories: categories.filter((c) => c !== category),
    train: inputs.filter((i) => categoryOf(i.key) !== category),
    heldOut: inputs.filter((i) => categoryOf(i.key) === category),
  }));
}

/** The threshold of each profile (in `NAB_PROFILES` order) that maximises the raw score over `train`. */
export function chooseThresholds(train: readonly NabFileInput[]): number[] {
  return scoreNab(train, { kind: 'optimised' }).map((r) => r.threshold);
}

/**
 * Thresholds for the fold that holds out `category`: chosen on the files of the
 * other categories only. The held-out files are dropped by key before anything
 * else is read, so their labels and scores cannot influence the result.
 */
export function thresholdsForFold(inputs: readonly NabFileInput[], category: string): number[] {
  return chooseThresholds(inputs.filter((i) => categoryOf(i.key) !== category));
}

/** Scores files at one threshold per profile: entry `p` is profile `p` at `thresholds[p]`. */
export function scoreAtThresholds(inputs: readonly NabFileInput[], thresholds: readonly number[]): NabProfileResult[] {
  if (thresholds.length !== NAB_PROFILES.length) throw new Error(`need ${NAB_PROFILES.length} thresholds, got ${thresholds.length}`);
  return thresholds.map((threshold, p) => scoreNab(inputs, { kind: 'fixed', threshold })[p]!);
}

/** One fold's outcome. */
export interface FoldResult {
  readonly category: string;
  /** Label of the candidate constants chosen on the training categories. */
  readonly candidate: string;
  readonly trainCategories: readonly string[];
  readonly files: number;
  /** Thresholds chosen on the training categories, per profile. */
  readonly thresholds: readonly number[];
  /** The held-out files scored at `thresholds`, per profile (normalised within the category; NaN when it has no window). */
  readonly heldOut: readonly NabProfileResult[];
}

/** A corpus-level NAB score assembled from parts: a profile's result without one threshold or per-file detail. */
export type CombinedScore = Omit<NabProfileResult, 'threshold' | 'perFile'>;

/** One setting of the detector's constants: its label and the scores it gives every file. */
export interface Candidate {
  readonly label: string;
  readonly inputs: readonly NabFileInput[];
}

/** Everything one cross-validation run yields. */
export interface CrossValidation {
  /** Label of the candidate chosen on all files. */
  readonly inSampleCandidate: string;
  /** Thresholds optimised on all files and scored on all files (with the candidate chosen on all files), per profile. */
  readonly inSample: readonly NabProfileResult[];
  readonly folds: readonly FoldResult[];
  /** Held-out raw scores of every fold, normalised over the whole corpus, per profile. */
  readonly crossValidated: readonly CombinedScore[];
}

/**
 * Combines the folds' held-out results into NAB's corpus score (see the module
 * comment): raw parts add up, `null` and `perfect` are the whole corpus's.
 *
 * @param folds - folds whose held-out sets partition the corpus.
 * @param corpus - any scoring of the whole corpus, per profile (only `null` and `perfect` are used; they do not depend on the threshold).
 */
export function combineHeldOut(folds: readonly FoldResult[], corpus: readonly NabProfileResult[]): CombinedScore[] {
  return corpus.map((whole, p) => {
    const parts = folds.map((f) => f.heldOut[p]!);
    const raw = parts.reduce((s, r) => s + r.raw, 0);
    const span = whole.perfect - whole.null;
    return {
      profile: whole.profile,
      raw,
      null: whole.null,
      perfect: whole.perfect,
      normalised: span > 0 ? (100 * (raw - whole.null)) / span : Number.NaN,
      windowsDetected: parts.reduce((s, r) => s + r.windowsDetected, 0),
      windows: parts.reduce((s, r) => s + r.windows, 0),
      falsePositiveRows: parts.reduce((s, r) => s + r.falsePositiveRows, 0),
    };
  });
}

/**
 * The candidate whose optimised standard-profile score over `pick(candidate)`
 * is highest (the first on a tie), with its optimised results per profile.
 */
function bestCandidate(candidates: readonly Candidate[], pick: (c: Candidate) => readonly NabFileInput[]): { candidate: Candidate; results: NabProfileResult[] } {
  let best: { candidate: Candidate; results: NabProfileResult[] } | null = null;
  for (const candidate of candidates) {
    const results = scoreNab(pick(candidate), { kind: 'optimised' });
    if (best === null || results[0]!.raw > best.results[0]!.raw) best = { candidate, results };
  }
  if (best === null) throw new Error('cross-validation needs at least one candidate');
  return best;
}

/**
 * Runs leave-one-category-out cross-validation of the thresholds and of the
 * choice among `candidates` (or of the thresholds alone, given plain inputs),
 * plus the in-sample reference point. Every candidate must hold the same files
 * in the same order.
 */
export function crossValidateByCategory(inputs: readonly NabFileInput[] | readonly Candidate[]): CrossValidation {
  const candidates: readonly Candidate[] = isCandidateList(inputs) ? inputs : [{ label: 'defaults', inputs: inputs as readonly NabFileInput[] }];
  const first = candidates[0];
  if (first === undefined) throw new Error('cross-validation needs at least one candidate');
  const keys = first.inputs.map((i) => i.key).join('\n');
  for (const c of candidates) if (c.inputs.map((i) => i.key).join('\n') !== keys) throw new Error(`candidate ${c.label} does not hold the same files as ${first.label}`);
  const whole = bestCandidate(candidates, (c) => c.inputs);
  const folds = splitByCategory(first.inputs).map((fold): FoldResult => {
    const held = new Set(fold.heldOut.map((i) => i.key));
    const chosen = bestCandidate(candidates, (c) => c.inputs.filter((i) => !held.has(i.key)));
    const thresholds = chosen.results.map((r) => r.threshold);
    return {
      category: fold.category,
      candidate: chosen.candidate.label,
      trainCategories: fold.trainCategories,
      files: fold.heldOut.length,
      thresholds,
      heldOut: scoreAtThresholds(chosen.candidate.inputs.filter((i) => held.has(i.key)), thresholds),
    };
  });
  return { inSampleCandidate: whole.candidate.label, inSample: whole.results, folds, crossValidated: combineHeldOut(folds, whole.results) };
}

function isCandidateList(inputs: readonly NabFileInput[] | readonly Candidate[]): inputs is readonly Candidate[] {
  return inputs.length > 0 && 'label' in inputs[0]!;
}

/** Flagged rows per 1,000 rows: every row counts (probation included), as in production there is no probation. */
export interface FlagRate {
  readonly flagged: number;
  readonly rows: number;
  readonly per1000: number;
}

/** How often `score >= threshold` over all rows of the given score series. */
export function flagRate(series: readonly (readonly number[])[], threshold: number): FlagRate {
  let flagged = 0;
  let rows = 0;
  for (const scores of series) {
    rows += scores.length;
    for (const s of scores) if (s >= threshold) flagged++;
  }
  return { flagged, rows, per1000: rows > 0 ? (1000 * flagged) / rows : Number.NaN };
}
