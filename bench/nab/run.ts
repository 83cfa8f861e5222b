/**
 * NAB runner: scores every CSV under --data with a fresh detector per file and
 * writes `<out>/<same relative path>` with `timestamp,value,anomaly_score`, one
 * row per input row, in input order. Then prints the detector's production
 * threshold as `production_threshold=<value>`.
 *
 * Usage: npm run --silent bench:nab -- --data <dir> --out <dir>
 *
 * With `--cv category` it cross-validates the threshold instead, leaving one
 * category out at a time (see `cv-mode.ts`); `--out` is then optional, the labels
 * come from `--windows` (default `<data>/../windows.json`) and the figures are
 * cross-checked with `--reference` (default `../shared/tools/nab-score.mjs`, or `none`).
 *
 * The detector sees timestamps and values only: no file name, label or window.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PRODUCTION_THRESHOLD } from '../../orchestrator/detect/detector-options.ts';
import { listCsvFiles, readCsv, scoreCsvText } from './csv-io.ts';
import { CV_SPLITS, runCrossValidationMode } from './cv-mode.ts';
import { scoreSeries } from './detector-scores.ts';

const USAGE = `usage: npm run --silent bench:nab -- --data <dir> --out <dir>
       npm run --silent bench:nab -- --data <dir> --cv category [--out <dir>] [--windows <windows.json>] [--reference <nab-score.mjs>|none]`;
const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared');

function usageError(message?: string): never {
  if (message !== undefined) console.error(`bench:nab: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      cv: { type: 'string' },
      windows: { type: 'string' },
      reference: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.cv !== undefined) {
    if (!(CV_SPLITS as readonly string[]).includes(values.cv)) usageError(`--cv supports ${CV_SPLITS.join(', ')}, got "${values.cv}"`);
    if (values.data === undefined) usageError('--data is required');
    const dataDir = resolve(values.data);
    const windowsFile = resolve(values.windows ?? join(dirname(dataDir), 'windows.json'));
    if (!existsSync(windowsFile)) usageError(`windows file ${windowsFile} not found (give --windows)`);
    const reference = values.reference === 'none' ? null : resolve(values.reference ?? join(SHARED, 'tools', 'nab-score.mjs'));
    if (reference !== null && !existsSync(reference)) usageError(`reference scorer ${reference} not found (give --reference or --reference none)`);
    try {
      runCrossValidationMode({ dataDir, windowsFile, outDir: values.out === undefined ? null : resolve(values.out), reference });
    } catch (e) {
      // Bad input (one category only, a window edge off the rows, ...): say what, without a stack.
      console.error(`bench:nab: ${(e as Error).message}`);
      process.exit(2);
    }
    return;
  }
  if (values.windows !== undefined || values.reference !== undefined) usageError('--windows and --reference go with --cv');
  if (values.data === undefined || values.out === undefined) usageError();
  const dataDir = resolve(values.data);
  const outDir = resolve(values.out);
  const files = listCsvFiles(dataDir);
  if (files.length === 0) {
    console.error(`no CSV files under ${dataDir}`);
    process.exit(2);
  }
  let rows = 0;
  for (const rel of files) {
    const table = readCsv(join(dataDir, rel), ['value']);
    const series = table.columns.value!;
    const scores = scoreSeries(table.timestamps, series);
    const target = join(outDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, scoreCsvText(table.rawTimestamps, table.rawColumns.value!, scores));
    rows += scores.length;
  }
  console.error(`scored ${files.length} file(s), ${rows} rows, into ${outDir}`);
  console.log(`production_threshold=${PRODUCTION_THRESHOLD}`);
}

main();
