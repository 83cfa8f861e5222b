/**
 * NAB runner: scores every CSV under --data with a fresh detector per file and
 * writes `<out>/<same relative path>` with `timestamp,value,anomaly_score`, one
 * row per input row, in input order. Then prints the detector's production
 * threshold as `production_threshold=<value>`.
 *
 * Usage: npm run --silent bench:nab -- --data <dir> --out <dir>
 *
 * The detector sees timestamps and values only: no file name, label or window.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDetector } from '../../orchestrator/detect/detector.ts';
import { PRODUCTION_THRESHOLD } from '../../orchestrator/detect/detector-options.ts';
import { formatScore, listCsvFiles, readCsv } from './csv-io.ts';

const USAGE = 'usage: npm run --silent bench:nab -- --data <dir> --out <dir>';

/** Scores one series with a fresh detector: one score per row. */
function scoreSeries(timestamps: readonly number[], values: readonly number[]): number[] {
  const detector = createDetector();
  return timestamps.map((t, i) => detector.update(t, values[i]!).score);
}

function main(): void {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.data === undefined || values.out === undefined) {
    console.error(USAGE);
    process.exit(2);
  }
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
    // Timestamp and value are copied through as text, so the output lines up with the input exactly.
    const rawValues = table.rawColumns.value!;
    const lines = ['timestamp,value,anomaly_score'];
    for (let i = 0; i < scores.length; i++) lines.push(`${table.rawTimestamps[i]},${rawValues[i]},${formatScore(scores[i]!)}`);
    const target = join(outDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${lines.join('\n')}\n`);
    rows += scores.length;
  }
  console.error(`scored ${files.length} file(s), ${rows} rows, into ${outDir}`);
  console.log(`production_threshold=${PRODUCTION_THRESHOLD}`);
}

main();
