/**
 * `bench:nab --cv category`: leave-one-category-out cross-validation of the NAB
 * threshold and of the candidate constants of `cv-candidates.ts` (the logic is in `cross-validation.ts`; this file reads the data,
 * runs the detector once per file and candidate, prints and cross-checks).
 *
 * Output, one figure kind per line, each saying how it was obtained:
 * `in_sample ...` (tuned and scored on all files), `cv ...` (held-out scores
 * combined NAB's way), one `fold ...` line per category, per-category in-sample
 * comparisons, false alarms per 1,000 points on `artificialNoAnomaly`, the
 * cross-checks against the reference scorer and, last,
 * `production_threshold=<value>` (standard profile, chosen on all files).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PRODUCTION_THRESHOLD } from '../../orchestrator/detect/detector-options.ts';
import { categoryOf, crossValidateByCategory, flagRate, scoreAtThresholds } from './cross-validation.ts';
import type { Candidate, CrossValidation } from './cross-validation.ts';
import { listCsvFiles, readCsv, readWindows, scoreCsvText } from './csv-io.ts';
import { CV_CANDIDATES } from './cv-candidates.ts';
import { scoreSeries } from './detector-scores.ts';
import { NAB_PROFILES, scoreNab } from './scorer.ts';
import type { NabFileInput } from './scorer.ts';

/** The only split supported by `--cv`. */
export const CV_SPLITS = ['category'] as const;

/** The anomaly-free category whose flags are all false alarms. */
const NO_ANOMALY_CATEGORY = 'artificialNoAnomaly';
/** Largest difference from the reference scorer that still counts as agreement (as in `score-cli.ts`). */
const AGREEMENT = 0.01;

/** Options of one cross-validation run. */
export interface CvModeOptions {
  readonly dataDir: string;
  readonly windowsFile: string;
  /** Where to write the per-file score CSVs (as the plain mode does); null writes them to a temporary folder only when the reference needs them. */
  readonly outDir: string | null;
  /** Path of `nab-score.mjs`, or null to skip the cross-check. */
  readonly reference: string | null;
}

/** One data file with its detector scores, computed once per candidate and shared by every fold. */
interface ScoredFile {
  readonly rel: string;
  readonly rawTimestamps: string[];
  readonly rawValues: string[];
  readonly timestamps: number[];
  /** Scores as the result CSV carries them (a non-finite score is written as 0), per candidate label. */
  readonly scores: ReadonlyMap<string, number[]>;
}

/** The production detector's scores (the default constants, `CV_CANDIDATES[0]`). */
function defaultScores(f: ScoredFile): number[] {
  return f.scores.get(CV_CANDIDATES[0]!.label)!;
}

function formatThreshold(t: number): string {
  return t === Infinity ? 'never' : Number(t.toPrecision(6)).toString();
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : 'n/a';
}

function profileLine(values: readonly number[], format: (x: number) => string = fmt): string {
  return NAB_PROFILES.map((p, i) => `${p.name}=${format(values[i]!)}`).join(' ');
}

/** Runs the detector over every CSV under the data folder, once per candidate. */
function scoreAll(dataDir: string): ScoredFile[] {
  return listCsvFiles(dataDir).map((rel) => {
    const table = readCsv(join(dataDir, rel), ['value']);
    const scores = new Map(CV_CANDIDATES.map((c) => [c.label, scoreSeries(table.timestamps, table.columns.value!, c.options).map((s) => (Number.isFinite(s) ? s : 0))]));
    return { rel, rawTimestamps: table.rawTimestamps, rawValues: table.rawColumns.value!, timestamps: table.timestamps, scores };
  });
}

function writeResults(dir: string, files: readonly ScoredFile[], scoresOf: (f: ScoredFile) => readonly number[]): void {
  for (const f of files) {
    const target = join(dir, f.rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, scoreCsvText(f.rawTimestamps, f.rawValues, scoresOf(f)));
  }
}

/** The reference scorer's normalised score per profile (NAB_PROFILES order). `fixed` scores at one threshold, otherwise it optimises. */
function referenceScores(reference: string, resultsDir: string, windowsFile: string, dataDir: string, fixed: number | null): number[] {
  const tmp = mkdtempSync(join(tmpdir(), 'nab-cv-ref-'));
  try {
    const json = join(tmp, 'result.json');
    const args = [reference, resultsDir, '--windows', windowsFile, '--data', dataDir, '--quiet', '--json', json];
    if (fixed !== null) args.push('--fixed-threshold', String(fixed));
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as { profiles: Record<string, { nab: number }> };
    return ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'].map((n) => {
      const v = parsed.profiles[n]?.nab;
      if (typeof v !== 'number') throw new Error(`reference output has no ${n} score`);
      return v;
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Cross-checks the in-sample and the cross-validated scores with the reference
 * scorer. For the latter, each held-out file's rows are written as flags (1 when
 * its score reaches its fold's threshold for the profile, else 0) and the
 * reference scores all files at the fixed threshold 0.5: its own normalisation
 * over all files then gives the cross-validated figure independently of ours.
 */
function crossCheck(options: CvModeOptions, reference: string, files: readonly ScoredFile[], labelled: Set<string>, cv: CrossValidation): string[] {
  const lines: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'nab-cv-'));
  try {
    // The in-sample figure is the candidate chosen on all files; the --out folder holds the defaults' scores.
    const scoredDir = options.outDir !== null && cv.inSampleCandidate === CV_CANDIDATES[0]!.label ? options.outDir : join(tmp, 'scores');
    if (scoredDir !== options.outDir) writeResults(scoredDir, files, (f) => f.scores.get(cv.inSampleCandidate)!);
    const inSampleRef = referenceScores(reference, scoredDir, options.windowsFile, options.dataDir, null);
    const mine = cv.inSample.map((r) => r.normalised);
    const diffIn = Math.max(...mine.map((v, i) => Math.abs(v - inSampleRef[i]!)));
    lines.push(`reference_in_sample ${profileLine(inSampleRef)} (in-sample, reference nab-score.mjs, thresholds optimised on all files)`);
    lines.push(`cross_check_in_sample agree=${diffIn <= AGREEMENT ? 'yes' : 'no'} max_abs_diff=${diffIn.toExponential(2)} tolerance=${AGREEMENT}`);

    const foldOf = new Map(cv.folds.map((fold) => [fold.category, fold]));
    const cvRef = NAB_PROFILES.map((_, p) => {
      const dir = join(tmp, `flags-${p}`);
      const held = files.filter((f) => labelled.has(f.rel));
      writeResults(dir, held, (f) => {
        const fold = foldOf.get(categoryOf(f.rel))!;
        const t = fold.thresholds[p]!;
        return f.scores.get(fold.candidate)!.map((s) => (s >= t ? 1 : 0));
      });
      return referenceScores(reference, dir, options.windowsFile, options.dataDir, 0.5)[p]!;
    });
    const cvMine = cv.crossValidated.map((r) => r.normalised);
    const diffCv = Math.max(...cvMine.map((v, i) => Math.abs(v - cvRef[i]!)));
    lines.push(`reference_cv ${profileLine(cvRef)} (cross-validated, reference nab-score.mjs on the held-out flags at each fold's thresholds)`);
    lines.push(`cross_check_cv agree=${diffCv <= AGREEMENT ? 'yes' : 'no'} max_abs_diff=${diffCv.toExponential(2)} tolerance=${AGREEMENT}`);
    if (diffIn > AGREEMENT || diffCv > AGREEMENT) process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return lines;
}

/** Runs the cross-validated mode and prints its report on stdout (progress and notes on stderr). */
export function runCrossValidationMode(options: CvModeOptions): void {
  const started = performance.now();
  // Step 1: detector scores, once per file and candidate (every fold reuses them).
  const files = scoreAll(options.dataDir);
  if (files.length === 0) throw new Error(`no CSV files under ${options.dataDir}`);
  if (options.outDir !== null) writeResults(options.outDir, files, defaultScores);
  const rows = files.reduce((n, f) => n + defaultScores(f).length, 0);
  const detectorSeconds = (performance.now() - started) / 1000;

  // Step 2: labels. Files without an entry in the windows file are not scored.
  const windows = readWindows(options.windowsFile);
  const scoredFiles = files.filter((f) => {
    if (windows.has(f.rel)) return true;
    console.error(`note: ${f.rel} has no entry in ${options.windowsFile} and is not scored`);
    return false;
  });
  const candidates: Candidate[] = CV_CANDIDATES.map((c) => ({
    label: c.label,
    inputs: scoredFiles.map((f) => ({ key: f.rel, timestamps: f.timestamps, scores: f.scores.get(c.label)!, windows: windows.get(f.rel)! })),
  }));
  const inputs: NabFileInput[] = candidates[0]!.inputs.slice();
  const missing = [...windows.keys()].filter((k) => !files.some((f) => f.rel === k));
  if (missing.length > 0) console.error(`note: ${missing.length} labelled file(s) have no data file and are not scored (e.g. ${missing[0]})`);
  const labelled = new Set(inputs.map((i) => i.key));

  // Step 3: folds.
  const cv = crossValidateByCategory(candidates);
  const chosenInputs = candidates.find((c) => c.label === cv.inSampleCandidate)!.inputs;
  const categories = cv.folds.map((f) => f.category);
  const n = inputs.length;
  const windowCount = inputs.reduce((s, i) => s + i.windows.length, 0);
  const inThresholds = cv.inSample.map((r) => r.threshold);
  const production = inThresholds[0]!;

  const out: string[] = [];
  out.push(
    `NAB cross-validation, leave one category out, of ${options.dataDir}: ${n} file(s), ${windowCount} window(s), ${categories.length} categories, ${rows} rows; detector run once per file, folds only re-threshold the cached scores`,
  );
  out.push(
    `tuned per fold, on the training categories only: the threshold (one per profile, by the scorer's sweep over every distinct score) and the detector constants, one of ${CV_CANDIDATES.length} candidates (bench/nab/cv-candidates.ts: ${CV_CANDIDATES.map((c) => c.label).join(' | ')}), the one with the best optimised standard score; every other constant is the fixed default of orchestrator/detect/detector-options.ts`,
  );
  out.push(
    `in_sample ${profileLine(cv.inSample.map((r) => r.normalised))} (in-sample: candidate ${cv.inSampleCandidate} and thresholds ${profileLine(inThresholds, formatThreshold)} chosen on all ${n} files and scored on the same files)`,
  );
  const std = cv.crossValidated[0]!;
  out.push(
    `cv ${profileLine(cv.crossValidated.map((r) => r.normalised))} (cross-validated: each category scored with the candidate and thresholds chosen on the other ${categories.length - 1}; NAB normalisation of the summed held-out raw scores over all ${n} files; standard raw=${std.raw.toFixed(3)} null=${std.null.toFixed(2)} perfect=${std.perfect.toFixed(2)} windows=${std.windowsDetected}/${std.windows} fp_rows=${std.falsePositiveRows})`,
  );
  const builtin = scoreNab(inputs, { kind: 'fixed', threshold: PRODUCTION_THRESHOLD });
  out.push(
    `builtin_threshold ${profileLine(builtin.map((r) => r.normalised))} (the detector's defaults, ${CV_CANDIDATES[0]!.label}, at its built-in threshold ${PRODUCTION_THRESHOLD} for every profile: fixed constants, not optimised by this run)`,
  );

  out.push('folds (cross-validated: threshold chosen on the other categories only; held-out score normalised within the held-out category):');
  for (const fold of cv.folds) {
    const h = fold.heldOut[0]!;
    const score = Number.isFinite(h.normalised) ? h.normalised.toFixed(2) : 'n/a(no windows)';
    out.push(
      `fold category=${fold.category} files=${fold.files} candidate=${fold.candidate} threshold_standard=${formatThreshold(fold.thresholds[0]!)} heldout_standard=${score} raw=${h.raw.toFixed(3)} windows=${h.windowsDetected}/${h.windows} fp_rows=${h.falsePositiveRows} thresholds ${profileLine(fold.thresholds, formatThreshold)} heldout ${profileLine(fold.heldOut.map((r) => r.normalised))}`,
    );
  }

  out.push('categories (in-sample, standard profile, normalised within the category; for comparison with the folds):');
  for (const category of categories) {
    const own = chosenInputs.filter((i) => categoryOf(i.key) === category);
    const atAll = scoreAtThresholds(own, inThresholds)[0]!;
    const best = scoreNab(own, { kind: 'optimised' })[0]!;
    out.push(
      `category=${category} at_all_files_threshold=${fmt(atAll.normalised)} (threshold ${formatThreshold(production)} optimised on all files, this one included; raw=${atAll.raw.toFixed(3)} windows=${atAll.windowsDetected}/${atAll.windows} fp_rows=${atAll.falsePositiveRows}) own_optimum=${fmt(best.normalised)} (threshold ${formatThreshold(best.threshold)} optimised on this category alone; raw=${best.raw.toFixed(3)})`,
    );
  }

  // Step 4: false alarms where every flag is one.
  const quietFiles = files.filter((f) => labelled.has(f.rel) && categoryOf(f.rel) === NO_ANOMALY_CATEGORY);
  const quiet = quietFiles.map((f) => f.scores.get(cv.inSampleCandidate)!);
  if (quiet.length === 0) {
    out.push(`false_alarms_no_anomaly n/a (no ${NO_ANOMALY_CATEGORY} files)`);
  } else {
    const chosen = flagRate(quiet, production);
    const fixed = flagRate(quietFiles.map(defaultScores), PRODUCTION_THRESHOLD);
    out.push(
      `false_alarms_no_anomaly per_1000_points=${chosen.per1000.toFixed(3)} flagged_rows=${chosen.flagged} rows=${chosen.rows} files=${quiet.length} (${NO_ANOMALY_CATEGORY}, every row incl. probation, candidate ${cv.inSampleCandidate} at the threshold ${formatThreshold(production)}, both chosen in-sample on all files)`,
    );
    out.push(
      `false_alarms_no_anomaly_builtin per_1000_points=${fixed.per1000.toFixed(3)} flagged_rows=${fixed.flagged} rows=${fixed.rows} (same files, the detector's defaults at its built-in threshold ${PRODUCTION_THRESHOLD}, not tuned by this run)`,
    );
  }

  // Step 5: cross-check with the reference scorer.
  if (options.reference !== null) out.push(...crossCheck(options, options.reference, files, labelled, cv));

  out.push(`production_threshold_basis: standard profile, optimised in-sample on all ${n} files (the detector's built-in PRODUCTION_THRESHOLD is ${PRODUCTION_THRESHOLD})`);
  out.push(`production_threshold=${production}`);
  for (const line of out) console.log(line);
  console.error(`detector: ${files.length} file(s), ${rows} rows in ${detectorSeconds.toFixed(2)} s; whole run ${((performance.now() - started) / 1000).toFixed(2)} s`);
}
