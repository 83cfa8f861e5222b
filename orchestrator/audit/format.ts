import type { VerifyResult } from './audit-chain.ts';
import type { AuditEntry } from './audit-entry.ts';

const SUMMARY_WIDTH = 100;

/** Aligned columns, two spaces apart; the last column is left ragged. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** `2025-01-02 03:04:05Z`: seconds are enough for people, and the table stays narrow. */
function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** First line only, cut to fit a terminal: the whole evidence is in `--json`. */
function oneLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > SUMMARY_WIDTH ? `${line.slice(0, SUMMARY_WIDTH - 1)}…` : line;
}

/** The entries as a table for `homeostat audit`, in the order given (newest first from `list`). */
export function formatAuditEntries(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries';
  return table([
    ['SEQ', 'TIME', 'TYPE', 'ACTOR', 'STACK', 'INCIDENT', 'PLAYBOOK', 'COMMIT', 'SUMMARY'],
    ...entries.map((e) => [
      String(e.seq),
      shortTime(e.at),
      e.type,
      e.actor,
      e.stackKey ?? '-',
      e.incidentId ?? '-',
      e.playbook ?? '-',
      // Same 12 characters as the other tables of the CLI.
      e.commit?.slice(0, 12) ?? '-',
      oneLine(e.summary),
    ]),
  ]);
}

/** One line for `homeostat audit verify`. */
export function formatVerifyResult(r: VerifyResult): string {
  return r.ok ? `audit chain valid: ${r.count} entries, head ${r.head.slice(0, 12)}` : `audit chain BROKEN at entry ${r.seq}: ${r.problem}`;
}
