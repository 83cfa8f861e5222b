import { z } from 'zod';
import { StackIdSchema, stackKey, type StackId } from '../model/stack-key.ts';

/** What started a deploy job. */
export const TriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('push'), deliveryId: z.string(), forge: z.string(), ref: z.string() }),
  z.object({
    kind: z.literal('pull_request'),
    deliveryId: z.string(),
    forge: z.string(),
    /** The repository as the forge names it (`owner/repo`), to post the preview back. */
    repoName: z.string(),
    number: z.number().int(),
    headRef: z.string(),
  }),
  z.object({ kind: z.literal('poll'), ref: z.string() }),
  z.object({ kind: z.literal('drift'), driftId: z.string() }),
  z.object({ kind: z.literal('manual'), by: z.string() }),
  z.object({ kind: z.literal('recovery'), abortedRunId: z.string() }),
  /** Another stack's apply changed outputs this stack reads (the stack graph). */
  z.object({ kind: z.literal('dependency'), stackKey: z.string(), runId: z.string() }),
  /** The policy check of a remediation proposal: a preview of its branch with the policy packs. */
  z.object({ kind: z.literal('remediation'), remediationId: z.string(), incidentId: z.string(), playbook: z.string() }),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

/** Payload of a deploy job, validated again whenever it is read back from Redis. */
export const DeployJobDataSchema = z.object({
  target: StackIdSchema,
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  /** Apply after a clean preview; false for pull requests and other refs. */
  apply: z.boolean(),
  /** `deploy` previews (and applies); `drift` runs a refresh-only preview of what is deployed. Default `deploy`. */
  mode: z.enum(['deploy', 'drift']).default('deploy'),
  trigger: TriggerSchema,
  enqueuedAt: z.string(),
  /**
   * The stack's place in the stack graph as the intake saw it at this commit,
   * with the commit's own `homeostat:dependsOn` merged in: the stacks it waits
   * for beside those its status records (a first push knows no references
   * yet), and the cycle it is on. Absent for jobs not from a push.
   */
  graph: z.object({ dependencies: z.array(z.string()), cycle: z.array(z.string()).optional() }).optional(),
});
export type DeployJobData = z.infer<typeof DeployJobDataSchema>;

/**
 * Job ids come from content, so a repeated webhook or a redelivered job
 * finds the existing job instead of adding one: `<stack>@<commit>` for an
 * apply, with `.preview` for a preview-only run of the same commit.
 */
export function deployJobId(target: StackId, commit: string, apply: boolean, suffix?: string): string {
  return `${stackKey(target)}@${commit}${apply ? '' : '.preview'}${suffix ? `.${suffix}` : ''}`;
}

/** The commit a deploy job id names (see {@link deployJobId}); undefined for an id of another shape. */
export function commitOfDeployJobId(jobId: string | null | undefined): string | undefined {
  return jobId ? /@([0-9a-f]{40})(?:\.|$)/.exec(jobId)?.[1] : undefined;
}

/** Parses a payload read back from Redis; names the wrong fields. */
export function parseDeployJobData(raw: unknown): DeployJobData {
  const parsed = DeployJobDataSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid deploy job payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
