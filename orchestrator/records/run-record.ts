import { z } from 'zod';
import { ChangeLinkSchema } from '../changes/drift-explanation.ts';
import { RunPlanSchema } from '../plan/update-plan.ts';
import { TriggerSchema } from '../queue/deploy-job.ts';
import { StackIdSchema } from '../model/stack-key.ts';
import { EngineIdentitySchema } from '../engine/engine-lock.ts';

/** Where a run is; `applying` is saved before `up` starts (intent before side effects). */
export const RunPhaseSchema = z.enum(['queued', 'fetching', 'previewing', 'applying', 'done']);

/** How a run ended. */
export const RunStatusSchema = z.enum([
  'running',
  /** Preview only (pull request, other branch), or preview clean and nothing to apply. */
  'previewed',
  'applied',
  'unchanged',
  /** A newer commit for the stack arrived first. */
  'skipped',
  /** Found in flight after a crash; handled on purpose, never silently re-run. */
  'aborted',
  'failed',
  /** Drift check: what is deployed matches the engine's state. */
  'in-sync',
  /** Drift check: the cloud differs from the engine's state (see the summary). */
  'drifted',
]);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** Why a run failed or was skipped: a fixed union, mapped from errors in one table. */
export const RunReasonSchema = z.enum([
  'PolicyViolation',
  'InvalidProgram',
  'MissingSecret',
  /** The program needs a provider plugin the engine does not have: a person installs it (see the run's message). */
  'MissingPlugin',
  'ConcurrentUpdate',
  'StackLocked',
  /** The data folder's disk is full: the run waits for space, counting no attempt. */
  'DiskFull',
  'SourceUnavailable',
  'EngineError',
  'Superseded',
  'WorkerCrashed',
  'RetriesExhausted',
  'Cancelled',
  /** A stack it depends on failed, or it is on a cycle of dependencies: it goes on once that is fixed. */
  'Blocked',
  /** The worker lost the stack's lease mid-run: its engine was interrupted, the next holder recovers. */
  'LeaseLost',
]);
export type RunReason = z.infer<typeof RunReasonSchema>;

const CountsSchema = z.record(z.string(), z.number());
const PropertyChangeSchema = z.object({ path: z.string(), kind: z.string(), replace: z.boolean(), old: z.unknown().optional(), new: z.unknown().optional() });
export const RunSummarySchema = z.object({
  counts: CountsSchema,
  resources: z.array(z.object({ urn: z.string(), type: z.string(), name: z.string(), op: z.string(), changes: z.array(PropertyChangeSchema) })),
  policyViolations: z.array(
    z.object({ policyPack: z.string(), policyPackVersion: z.string(), policy: z.string(), level: z.enum(['mandatory', 'advisory']), message: z.string(), urn: z.string().optional() }),
  ),
  outputs: z.record(z.string(), z.unknown()),
  errors: z.array(z.string()),
  /** Records from before the stack graph have none. */
  stackReferences: z.array(z.string()).optional(),
});

export const RunRecordSchema = z.object({
  id: z.string(),
  /** The deploy job this run is an attempt of. */
  jobId: z.string(),
  target: StackIdSchema,
  stackKey: z.string(),
  commit: z.string(),
  apply: z.boolean(),
  mode: z.enum(['deploy', 'drift']).default('deploy'),
  trigger: TriggerSchema,
  phase: RunPhaseSchema,
  status: RunStatusSchema,
  reason: RunReasonSchema.optional(),
  /** One line for a person: what happened, or what went wrong. */
  message: z.string().optional(),
  /** Which attempt of this stack and commit (1 to 3). */
  attempt: z.number().int().positive(),
  /** Fencing token of the stack lock the run held. */
  fence: z.number().int().optional(),
  worker: z.string().optional(),
  engineVersion: z.string().optional(),
  /** Engine processes this run started that may take the stack's lock: the only locks it may later clear. */
  engines: z.array(EngineIdentitySchema).optional(),
  previewSummary: RunSummarySchema.optional(),
  applySummary: RunSummarySchema.optional(),
  /**
   * The stack outputs the apply added, removed or gave a new value; an apply
   * that changed only these is `applied`, not `unchanged`. Records from before
   * this field have none.
   */
  changedOutputs: z.array(z.string()).optional(),
  /** For a drift: the change events made outside Git that explain it, likeliest first (`changes/drift-explanation.ts`). */
  explainedBy: z.array(ChangeLinkSchema).optional(),
  timings: z.object({
    enqueuedAt: z.string(),
    startedAt: z.string().optional(),
    previewStartedAt: z.string().optional(),
    previewMs: z.number().optional(),
    applyMs: z.number().optional(),
    finishedAt: z.string().optional(),
  }),
  /** Update plans: the digest of the plan this run's preview saved, or whether its apply ran within one (and why not). */
  plan: RunPlanSchema.optional(),
  /** Which policy packs ran: the service's pinned ones (always), the commit's own, and how they differ. */
  policyPacks: z.object({ pinned: z.array(z.string()), commit: z.array(z.string()), notes: z.array(z.string()) }).optional(),
  /** The compiled program the engine ran (`build/program-build.ts`): its key, and whether this run compiled it or reused it. */
  build: z.object({ key: z.string(), entry: z.string(), kind: z.enum(['compiled', 'plain']), reused: z.boolean(), durationMs: z.number() }).optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
