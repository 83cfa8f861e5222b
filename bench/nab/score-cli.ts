/**
 * Scores detector output with our NAB scorer (standard, low-FP and low-FN
 * profiles), both at the threshold optimised on the data and at the detector's
 * production threshold, and cross-checks every figure against the reference
 * scorer `nab-score.mjs` from the shared tools.
 *
 * Usage:
 *   npm run --silent bench:nab-score -- --results <dir> [--windows <windows.json>]
 *     [--data <dir>|none] [--threshold <t>] [--reference <nab-score.mjs>|none] [--per-file]
 *
 * Defaults: windows `../shared/data/nab-aws/windows.json` next to the repository,
 * data `<windows dir>/data`, threshold the production threshold, reference
 * `../shared/tools/nab-score.mjs`. Exits 1 when the cross-check disagrees.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PRODUCTION_THRESHOLD } from '../../orchestrator/detect/detector-options.ts';
import { listCsvFiles, readCsv, readWindows } from './csv-io.ts';
import { NAB_PROFILES, scoreNab } from './scorer.ts';
import type { NabFileInput, NabProfileResult, ThresholdChoice } from './scorer.ts';

/** Largest difference between our figures and the reference's that still counts as agreement. */
const AGREEMENT = 0.01;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = resolve(REPO, '..', 'shared');
const USAGE =
  'usage: npm run --silent bench:nab-score -- --results <dir> [--windows <windows.json>] [--data <dir>|none] [--threshold <t>] [--reference <nab-score.mjs>|none] [--per-file]';

function fail(message: string): never {
  console.error(`bench:nab-score: ${message}`);
  process.exit(2);
}

/** Reads every result CSV that has labels, checking it row by row against its data file when one is given. */
function loadInputs(resultsDir: string, windows: Map<string, [number, number][]>, dataDir: string | null): NabFileInput[] {
  const inputs: NabFileInput[] = [];
  for (const rel of listCsvFiles(resultsDir)) {
    const labelled = windows.get(rel);
    if (labelled === undefined) {
      console.error(`note: ${rel} has no entry in the windows file and is not scored`);
      continue;
    }
    const table = readCsv(join(resultsDir, rel), ['anomaly_score']);
    if (dataDir !== null) {
      const data = readCsv(join(dataDir, rel), []);
      if (data.timestamps.length !== table.timestamps.length) {
        fail(`${rel}: ${table.timestamps.length} rows, but the data file has ${data.timestamps.length}`);
      }
      const at = data.timestamps.findIndex((t, i) => t !== table.timestamps[i]);
      if (at >= 0) fail(`${rel} row ${at + 2}: timestamp ${table.rawTimestamps[at]} differs from the data's ${data.rawTimestamps[at]}`);
    }
    const scores = table.columns.anomaly_score!;
    const bad = scores.findIndex((s) => !Number.isFinite(s));
    if (bad >= 0) fail(`${rel} row ${bad + 2}: anomaly_score is not a finite number`);
    inputs.push({ key: rel, timestamps: table.timestamps, scores, windows: labelled });
  }
  const missing = [...windows.keys()].filter((k) => !inputs.some((i) => i.key === k));
  if (missing.length > 0) console.error(`note: ${missing.length} labelled file(s) have no result and are not scored (e.g. ${missing[0]})`);
  if (inputs.length === 0) fail(`no labelled result files under ${resultsDir}`);
  return inputs;
}

/** Runs the reference scorer and returns its normalised score per profile, in NAB_PROFILES order. */
function referenceScores(reference: string, resultsDir: string, windowsFile: string, dataDir: string | null, threshold: number | null): number[] {
  const tmp = mkdtempSync(join(tmpdir(), 'nab-ref-'));
  try {
    const json = join(tmp, 'result.json');
    const args = [reference, resultsDir, '--windows', windowsFile, '--data', dataDir ?? 'none', '--quiet', '--json', json];
    if (threshold !== null) args.push('--fixed-threshold', String(threshold));
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as { profiles: Record<string, { nab: number }> };
    const names = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];
    return names.map((n) => {
      const v = parsed.profiles[n]?.nab;
      if (typeof v !== 'number') throw new Error(`reference output has no ${n} score`);
      return v;
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function formatThreshold(t: number): string {
  return t === Infinity ? 'never' : Number(t.toPrecision(6)).toString();
}

function printTable(label: string, results: NabProfileResult[], perFile: boolean): void {
  console.log(`  ${label}`);
  console.log('    profile    threshold       raw      null   perfect      NAB   windows  FP-rows');
  for (const r of results) {
    console.log(
      `    ${r.profile.padEnd(9)} ${formatThreshold(r.threshold).padStart(10)} ${r.raw.toFixed(3).padStart(9)} ${r.null.toFixed(2).padStart(9)} ${r.perfect.toFixed(2).padStart(9)} ${r.normalised.toFixed(2).padStart(8)} ${`${r.windowsDetected}/${r.windows}`.padStart(9)} ${String(r.falsePositiveRows).padStart(8)}`,
    );
  }
  if (perFile) {
    const std = results[0]!;
    for (const f of std.perFile) console.log(`      ${f.key.padEnd(52)} raw ${f.raw.toFixed(3).padStart(7)}  windows ${f.windowsDetected}/${f.windows}  FP-rows ${f.falsePositiveRows}`);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      results: { type: 'string' },
      windows: { type: 'string' },
      data: { type: 'string' },
      threshold: { type: 'string' },
      reference: { type: 'string' },
      'per-file': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.results === undefined) fail(`--results is required\n${USAGE}`);
  const resultsDir = resolve(values.results);
  const windowsFile = resolve(values.windows ?? join(SHARED, 'data', 'nab-aws', 'windows.json'));
  if (!existsSync(windowsFile)) fail(`windows file ${windowsFile} not found (give --windows)`);
  const defaultData = join(dirname(windowsFile), 'data');
  const dataDir = values.data === 'none' ? null : values.data !== undefined ? resolve(values.data) : existsSync(defaultData) ? defaultData : null;
  const threshold = values.threshold === undefined ? PRODUCTION_THRESHOLD : Number(values.threshold);
  if (!Number.isFinite(threshold)) fail(`--threshold must be a number, got ${values.threshold}`);
  const reference = values.reference === 'none' ? null : resolve(values.reference ?? join(SHARED, 'tools', 'nab-score.mjs'));
  if (reference !== null && !existsSync(reference)) fail(`reference scorer ${reference} not found (give --reference or --reference none)`);

  const inputs = loadInputs(resultsDir, readWindows(windowsFile), dataDir);
  const windowCount = inputs.reduce((n, i) => n + i.windows.length, 0);
  console.log(`NAB scores of ${resultsDir}: ${inputs.length} file(s), ${windowCount} window(s), our scorer`);
  const runs: { name: string; label: string; choice: ThresholdChoice; refThreshold: number | null }[] = [
    { name: 'optimised', label: 'threshold optimised per profile on these files', choice: { kind: 'optimised' }, refThreshold: null },
    { name: 'production', label: `production threshold ${threshold}`, choice: { kind: 'fixed', threshold }, refThreshold: threshold },
  ];
  const summary: string[] = [];
  let agreeAll = true;
  for (const run of runs) {
    const ours = scoreNab(inputs, run.choice);
    printTable(run.label, ours, values['per-file'] === true);
    const line = (xs: number[]): string => NAB_PROFILES.map((p, i) => `${p.name}=${xs[i]!.toFixed(2)}`).join(' ');
    const mine = ours.map((r) => r.normalised);
    summary.push(`nab_${run.name} ${line(mine)}`);
    if (reference !== null) {
      const theirs = referenceScores(reference, resultsDir, windowsFile, dataDir, run.refThreshold);
      const diff = Math.max(...mine.map((v, i) => Math.abs(v - theirs[i]!)));
      const agree = diff <= AGREEMENT;
      agreeAll &&= agree;
      summary.push(`reference_${run.name} ${line(theirs)}`);
      summary.push(`cross_check_${run.name} agree=${agree ? 'yes' : 'no'} max_abs_diff=${diff.toExponential(2)} tolerance=${AGREEMENT}`);
    }
  }
  console.log('');
  for (const s of summary) console.log(s);
  if (!agreeAll) process.exit(1);
}

main();
