import { describeCycle, type StackGraph } from '../graph/stack-graph.ts';
import type { Promotion } from '../promote/promotion.ts';
import type { RemediationRecord, ReviewItem } from '../remediate/remediation-record.ts';
import type { IncidentRecord } from '../correlate/incident-store.ts';
import type { RunRecord } from '../records/run-record.ts';
import type { StackStatus } from '../records/stack-status.ts';

/** Plain-text tables for the CLI; `--json` bypasses them. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function formatStatuses(statuses: StackStatus[]): string {
  if (statuses.length === 0) return 'no stacks yet';
  return table([
    ['STACK', 'APPLIED', 'READY', 'RECONCILING', 'STALLED'],
    ...statuses.map((s) => [
      s.stackKey,
      s.appliedCommit?.slice(0, 12) ?? '-',
      `${s.conditions.Ready.status} (${s.conditions.Ready.reason})`,
      s.conditions.Reconciling.status ? s.conditions.Reconciling.reason : '-',
      s.conditions.Stalled.status ? `${s.conditions.Stalled.reason}: ${s.conditions.Stalled.message}` : '-',
    ]),
  ]);
}

export function formatRuns(runs: RunRecord[]): string {
  if (runs.length === 0) return 'no runs yet';
  return table([
    ['RUN', 'STACK', 'COMMIT', 'TRIGGER', 'STATUS', 'CHANGES', 'WHEN'],
    ...runs.map((r) => {
      const c = r.previewSummary?.counts ?? {};
      const changes = ['create', 'update', 'replace', 'delete'].filter((k) => (c[k] ?? 0) > 0).map((k) => `${c[k]} ${k}`).join(', ') || '-';
      return [r.id, r.stackKey, r.commit.slice(0, 12), r.trigger.kind, r.reason ? `${r.status} (${r.reason})` : r.status, changes, r.timings.startedAt ?? r.timings.enqueuedAt];
    }),
  ]);
}

/** A run's preview as the Pulumi CLI shows one: each resource, its operation and property diffs. */
export function formatRunDetail(run: RunRecord, log: string[]): string {
  const lines = [`run ${run.id}  ${run.stackKey}@${run.commit.slice(0, 12)}  ${run.status}${run.reason ? ` (${run.reason})` : ''}`];
  if (run.message) lines.push(`  ${run.message}`);
  const summary = run.applySummary ?? run.previewSummary;
  const sign: Record<string, string> = { create: '+', update: '~', replace: '+-', delete: '-', same: ' ', refresh: '~' };
  for (const r of summary?.resources ?? []) {
    if (r.op === 'same') continue;
    lines.push(`  ${sign[r.op] ?? '?'} ${r.type} ${r.name} ${r.op}`);
    for (const c of r.changes) lines.push(`      ${c.kind === 'add' ? '+' : c.kind === 'delete' ? '-' : '~'} ${c.path}: ${JSON.stringify(c.old)} => ${JSON.stringify(c.new)}${c.replace ? ' (replace)' : ''}`);
  }
  for (const v of summary?.policyViolations ?? []) lines.push(`  policy ${v.policy} [${v.level}]: ${v.message}`);
  if (log.length > 0) lines.push('log:', ...log.map((l) => `  ${l}`));
  return lines.join('\n');
}

export function formatIncidents(records: IncidentRecord[]): string {
  if (records.length === 0) return 'no incidents';
  return records
    .map((r) => {
      const top = r.causes[0];
      const head = `${r.incident.id}  ${r.incident.status}  onset ${new Date(r.incident.onsetAt).toISOString()}  signals ${r.incident.signals.map((s) => s.signalId).join(', ')}`;
      const cause = top ? `  probable cause: ${top.kind} (${top.confidence.toFixed(2)})${top.commit ? ` ${top.commit.slice(0, 12)}` : ''}` : '  probable cause: unknown';
      return `${head}\n${cause}\n  ${r.summary.split('\n')[0] ?? ''}`;
    })
    .join('\n\n');
}

export function formatReviews(reviews: ReviewItem[]): string {
  if (reviews.length === 0) return 'no review items';
  return table([
    ['ID', 'STATUS', 'STACK', 'PLAYBOOK', 'CONFIDENCE', 'TITLE', 'DECIDED BY'],
    ...reviews.map((r) => [r.id, r.status, r.stackKey, r.playbook, r.confidence.toFixed(2), r.title, r.decidedBy ?? '']),
  ]);
}

export function formatRemediations(records: RemediationRecord[]): string {
  if (records.length === 0) return 'no remediations';
  return table([
    ['ID', 'STATE', 'STACK', 'PLAYBOOK', 'CONFIDENCE', 'COMMIT', 'LAST STEP'],
    ...records.map((r) => [r.id, r.state, r.stackKey, r.playbook ?? '', r.confidence?.toFixed(2) ?? '', r.commit?.slice(0, 12) ?? '', (r.message ?? '').slice(0, 80)]),
  ]);
}

export function formatGraph(graph: StackGraph): string {
  const lines: string[] = [];
  if (graph.cycle) lines.push(`cycle: ${describeCycle(graph.cycle)} (no order to apply in until it is broken)`);
  else graph.order.forEach((layer, i) => lines.push(`${i + 1}. ${layer.join(', ')}`));
  if (graph.edges.length > 0) {
    lines.push('', table([['stack', 'depends on', 'via', 'as'], ...graph.edges.map((e) => [e.from, e.to, e.via, e.name])]));
  }
  for (const u of graph.unresolved) lines.push(`unresolved: ${u.from} ${u.via === 'reference' ? 'reads' : 'declares'} ${u.name}: ${u.why}`);
  if (graph.unknown.length > 0) lines.push(`not known yet (no apply recorded its links): ${graph.unknown.join(', ')}`);
  return lines.join('\n');
}

/** Promotions, newest first: each change, its state, and every wave with where it stands (`homeostat promotions`). */
export function formatPromotions(promotions: readonly Promotion[]): string {
  if (promotions.length === 0) return 'no promotions (a repository declares waves under promotion.waves)';
  const rows = [['repo', 'commit', 'state', 'waves', 'why']];
  for (const p of promotions) {
    const why = p.state === 'halted' ? (p.halt?.reason ?? '') : p.state === 'paused' ? `paused by ${p.paused?.by ?? '?'}` : (p.waves.find((w) => w.state !== 'passed')?.note ?? '');
    rows.push([p.repo, p.commit.slice(0, 7), p.state, p.waves.map((w) => `${w.name}:${w.state}`).join(' → '), why]);
  }
  return table(rows);
}
