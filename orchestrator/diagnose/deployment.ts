import { z } from 'zod';
import type { RunRecord } from '../records/run-record.ts';

/** One property a deployment changed. */
export const DeploymentChangeSchema = z.object({
  /** Logical name of the resource, for example `checkout`. */
  resource: z.string(),
  /** Property path, for example `capacity` or `spec.template.spec.containers[0].image`; '' for a whole resource created, deleted or replaced without property detail. */
  path: z.string(),
  old: z.unknown().optional(),
  new: z.unknown().optional(),
  /** The engine's operation on the resource (`update`, `replace`, `create`, `delete`). */
  op: z.string().optional(),
});
export type DeploymentChange = z.infer<typeof DeploymentChangeSchema>;

/** A commit applied to a stack: the evidence diagnosis weighs against an incident's onset. */
export const DeploymentSchema = z.object({
  stackKey: z.string().min(1),
  commit: z.string().min(1),
  /** When the apply finished, epoch ms. */
  appliedAt: z.number(),
  changes: z.array(DeploymentChangeSchema),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/**
 * Deployments from run records: applied deploy runs that changed a resource
 * (previews, drift checks, failures, no-ops and applies of outputs alone
 * changed nothing in the cloud). The time is the
 * run's finish (else its start); the changes are the apply summary's, else
 * the preview's, `same` resources left out. Oldest first. Pure.
 */
export function deploymentsFromRuns(runs: readonly RunRecord[]): Deployment[] {
  const out: Deployment[] = [];
  for (const run of runs) {
    if (run.status !== 'applied' || !run.apply || run.mode !== 'deploy') continue;
    const appliedAt = Date.parse(run.timings.finishedAt ?? run.timings.startedAt ?? run.timings.enqueuedAt);
    if (!Number.isFinite(appliedAt)) continue;
    const summary = run.applySummary ?? run.previewSummary;
    const changes: DeploymentChange[] = [];
    for (const r of summary?.resources ?? []) {
      if (r.op === 'same' || r.op === 'read' || r.op === 'refresh') continue;
      if (r.changes.length === 0) changes.push({ resource: r.name, path: '', op: r.op });
      for (const c of r.changes) changes.push({ resource: r.name, path: c.path, old: c.old, new: c.new, op: r.op });
    }
    // An apply that changed only outputs is `applied` (the stacks that read them run again), but touched no resource.
    if (changes.length === 0 && run.changedOutputs?.length) continue;
    out.push({ stackKey: run.stackKey, commit: run.commit, appliedAt, changes });
  }
  return out.sort((a, b) => a.appliedAt - b.appliedAt || (a.stackKey < b.stackKey ? -1 : a.stackKey > b.stackKey ? 1 : 0));
}

/** `checkout.capacity: 4 -> 2`, for people. */
export function describeChange(c: DeploymentChange): string {
  const where = c.path === '' ? c.resource : `${c.resource}.${c.path}`;
  if (c.path === '') return `${where} ${c.op ?? 'changed'}`;
  return `${where}: ${show(c.old)} -> ${show(c.new)}`;
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
