import type { RunRecord } from '../records/run-record.ts';

/**
 * A pull request's preview as a person reads it on the forge: the resource
 * changes with their property diffs, the policy results, and the verdict.
 * Pure: the forge adapter posts it.
 */
export interface PreviewReport {
  state: 'success' | 'failure';
  /** One line, for a commit status (at most 140 characters). */
  description: string;
  /** Markdown, for a comment. */
  body: string;
}

const SIGN: Record<string, string> = { create: '+', update: '~', replace: '+-', delete: '-', refresh: '~' };

export function previewReport(run: RunRecord): PreviewReport {
  const summary = run.previewSummary;
  const counts = summary?.counts ?? {};
  const changes = ['create', 'update', 'replace', 'delete'].filter((k) => (counts[k] ?? 0) > 0).map((k) => `${counts[k]} to ${k}`);
  const mandatory = summary?.policyViolations.filter((v) => v.level === 'mandatory') ?? [];
  const ok = run.status === 'previewed' && mandatory.length === 0;
  const description = (
    ok
      ? `Preview of ${run.target.stack}: ${changes.join(', ') || 'no changes'}`
      : `Preview of ${run.target.stack} failed: ${mandatory.length ? `${mandatory.length} policy violation(s)` : run.reason ?? run.status}`
  ).slice(0, 140);

  const lines = [`### Homeostat preview of \`${run.stackKey}\` at \`${run.commit.slice(0, 12)}\``, ''];
  lines.push(ok ? `**${changes.join(', ') || 'No changes'}**` : `**Failed**: ${run.message ?? run.reason ?? run.status}`, '');
  const changed = summary?.resources.filter((r) => r.op !== 'same') ?? [];
  if (changed.length > 0) {
    lines.push('```diff');
    for (const r of changed) {
      lines.push(`${SIGN[r.op] ?? '?'} ${r.type} ${r.name} (${r.op})`);
      for (const c of r.changes) lines.push(`${c.kind === 'add' ? '+' : c.kind === 'delete' ? '-' : '~'}     ${c.path}: ${JSON.stringify(c.old)} => ${JSON.stringify(c.new)}${c.replace ? ' (forces replacement)' : ''}`);
    }
    lines.push('```', '');
  }
  if (summary && summary.policyViolations.length > 0) {
    lines.push('| policy | level | message |', '| --- | --- | --- |');
    for (const v of summary.policyViolations) lines.push(`| ${v.policy} | ${v.level} | ${v.message.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    lines.push('');
  } else {
    lines.push('All policies passed.', '');
  }
  lines.push(`<sub>run ${run.id} · engine ${run.engineVersion ?? '?'}</sub>`);
  return { state: ok ? 'success' : 'failure', description, body: lines.join('\n') };
}
