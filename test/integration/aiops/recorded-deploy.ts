import { randomBytes } from 'node:crypto';
import { deployJobId } from '../../../orchestrator/queue/deploy-job.ts';
import type { RunRecord } from '../../../orchestrator/records/run-record.ts';

type RunSummary = NonNullable<RunRecord['applySummary']>;
export type PropertyChange = RunSummary['resources'][number]['changes'][number];

/**
 * The record the deploy worker saves for an applied deploy of `commit` to the
 * sandbox stack that finished at `finishedAt` (epoch ms), shaped after a real
 * applied run of the same stack (`template`): the sandbox service updated
 * with `changes`, every other resource the same. Diagnosis reads deployments
 * from such records (their finish time and apply summary), so a test can
 * place a deploy at any time relative to the metrics it pushes.
 */
export function appliedDeployRun(template: RunRecord, commit: string, finishedAt: number, changes: PropertyChange[]): RunRecord {
  const summary = template.applySummary;
  if (!summary) throw new Error(`run ${template.id} has no apply summary to model the deploy on`);
  const service = summary.resources.find((r) => r.type.endsWith(':SandboxService'));
  if (!service) throw new Error(`run ${template.id} applied no SandboxService: ${summary.resources.map((r) => r.type).join(', ')}`);
  const resources = summary.resources.map((r) => (r === service ? { ...r, op: 'update', changes } : { ...r, op: 'same', changes: [] }));
  const outputs = { ...summary.outputs };
  for (const c of changes) if (c.path in outputs) outputs[c.path] = c.new;
  const applySummary: RunSummary = { ...summary, counts: { update: 1, same: resources.length - 1 }, resources, outputs };
  // A minute from enqueue to finish, most of it the engine's preview and update.
  const at = (msBefore: number) => new Date(finishedAt - msBefore).toISOString();
  // The fencing token was the template run's lease, not this one's.
  const { fence: _fence, ...rest } = template;
  return {
    ...rest,
    id: `r-${(finishedAt - 60_000).toString(36)}-${randomBytes(3).toString('hex')}`,
    jobId: deployJobId(template.target, commit, true),
    commit,
    apply: true,
    mode: 'deploy',
    trigger: { kind: 'push', deliveryId: `d-${randomBytes(6).toString('hex')}`, forge: 'github', ref: 'refs/heads/main' },
    phase: 'done',
    status: 'applied',
    message: 'applied',
    attempt: 1,
    previewSummary: { ...applySummary, outputs: {} },
    applySummary,
    timings: { enqueuedAt: at(60_000), startedAt: at(59_500), previewStartedAt: at(58_000), applyMs: 55_000, finishedAt: at(0) },
  };
}
