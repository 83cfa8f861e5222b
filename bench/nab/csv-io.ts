/**
 * File helpers for the NAB bench: reading series and score CSVs, writing score
 * CSVs, listing CSV files and reading windows JSON. Timestamps without a zone
 * are read as UTC, as NAB does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z)?$/;

/** Parses `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (UTC) into ms since the epoch; throws on anything else. */
export function parseTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) throw new Error(`cannot parse timestamp "${text}"`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)) + ms;
}

/** The rows of one CSV: raw text of the timestamp column, parsed timestamps, and the named columns as numbers and as text. */
export interface CsvTable {
  readonly rawTimestamps: string[];
  readonly timestamps: number[];
  readonly columns: Record<string, number[]>;
  readonly rawColumns: Record<string, string[]>;
}

/** Reads a CSV with a `timestamp` column and the numeric `columns` asked for; errors name the file, line and column. */
export function readCsv(file: string, columns: readonly string[]): CsvTable {
  const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const at = (name: string): number => {
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`${file}: no "${name}" column (header: ${header.join(',')})`);
    return k;
  };
  const tsCol = at('timestamp');
  const cols = columns.map((c) => ({ name: c, index: at(c), values: [] as number[], raw: [] as string[] }));
  const rawTimestamps: string[] = [];
  const timestamps: number[] = [];
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    const raw = (cells[tsCol] ?? '').trim();
    try {
      timestamps.push(parseTimestamp(raw));
    } catch (e) {
      throw new Error(`${file}:${r + 1}: ${(e as Error).message}`, { cause: e });
    }
    rawTimestamps.push(raw);
    for (const c of cols) {
      const text = (cells[c.index] ?? '').trim();
      // An empty or unparsable value is a missing observation (NaN), not an error: the detector handles gaps.
      c.values.push(text === '' ? Number.NaN : Number(text));
      c.raw.push(text);
    }
  }
  return {
    rawTimestamps,
    timestamps,
    columns: Object.fromEntries(cols.map((c) => [c.name, c.values])),
    rawColumns: Object.fromEntries(cols.map((c) => [c.name, c.raw])),
  };
}

/** Every `*.csv` under `dir`, recursively, as paths relative to `dir` with `/` separators, sorted. */
export function listCsvFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.csv')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Formats scores for a CSV cell: short, and exact enough that thresholds compare the same after a round trip. */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? String(score) : '0';
}

/** The text of a result CSV: `timestamp,value,anomaly_score`, timestamp and value copied through as text so the output lines up with the input exactly. */
export function scoreCsvText(rawTimestamps: readonly string[], rawValues: readonly string[], scores: readonly number[]): string {
  const lines = ['timestamp,value,anomaly_score'];
  for (let i = 0; i < scores.length; i++) lines.push(`${rawTimestamps[i]},${rawValues[i]},${formatScore(scores[i]!)}`);
  return `${lines.join('\n')}\n`;
}

/** Labelled windows per file key (`category/name.csv`), as inclusive [start, end] ms timestamps. */
export function readWindows(file: string): Map<string, [number, number][]> {
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (json === null || typeof json !== 'object') throw new Error(`${file}: not a JSON object`);
  const out = new Map<string, [number, number][]>();
  for (const [key, value] of Object.entries(json)) {
    if (!Array.isArray(value)) throw new Error(`${file}: "${key}" is not a list of windows`);
    out.set(
      key,
      value.map((w: unknown, i) => {
        if (!Array.isArray(w) || w.length !== 2) throw new Error(`${file}: "${key}"[${i}] is not [start, end]`);
        return [parseTimestamp(String(w[0])), parseTimestamp(String(w[1]))];
      }),
    );
  }
  return out;
}
