import { z } from 'zod';
import type { RunReason, RunRecord } from './run-record.ts';

/**
 * A stack's status as conditions with typed reasons, in the manner of the
 * Pulumi Kubernetes Operator: `Ready` (the last applied commit is the
 * desired one), `Reconciling` (a run is under way), `Stalled` (a person must
 * act: no retry until a new commit). Set only through {@link applyRun} and
 * {@link startRun}, which keep the three consistent.
 */
export const ConditionSchema = z.object({
  status: z.boolean(),
  reason: z.string(),
  message: z.string(),
  since: z.string(),
});
export type Condition = z.infer<typeof ConditionSchema>;

export const StackLinksSchema = z.object({
  /** The Pulumi project's name, which other stacks' references use. */
  project: z.string(),
  /** The names of the StackReferences the program made. */
  references: z.array(z.string()),
  /** `homeostat:dependsOn` of the stack's config. */
  dependsOn: z.array(z.string()),
});
export type StackLinks = z.infer<typeof StackLinksSchema>;

export const StackStatusSchema = z.object({
  stackKey: z.string(),
  /** Commit the last run was for. */
  observedCommit: z.string().optional(),
  /** Commit last applied successfully. */
  appliedCommit: z.string().optional(),
  appliedAt: z.string().optional(),
  lastRunId: z.string().optional(),
  /** Outputs as last applied (health signals, remediable keys). */
  outputs: z.record(z.string(), z.unknown()).optional(),
  /** What the stack needs, as of its last apply: the stack graph is made of these (see graph/). */
  links: StackLinksSchema.optional(),
  conditions: z.object({ Ready: ConditionSchema, Reconciling: ConditionSchema, Stalled: ConditionSchema }),
});
export type StackStatus = z.infer<typeof StackStatusSchema>;

/** Failure reasons that need a person: a new commit is required before the stack is tried again. */
export const STALLING_REASONS: ReadonlySet<RunReason> = new Set(['PolicyViolation', 'InvalidProgram', 'MissingSecret', 'RetriesExhausted']);

function cond(status: boolean, reason: string, message: string, at: string, prev?: Condition): Condition {
  // `since` moves only when the status flips, so it says how long the stack has been this way.
  return { status, reason, message, since: prev && prev.status === status ? prev.since : at };
}

export function initialStatus(stackKey: string, at: string): StackStatus {
  return {
    stackKey,
    conditions: {
      Ready: cond(false, 'NeverApplied', 'no commit applied yet', at),
      Reconciling: cond(false, 'Idle', 'no run under way', at),
      Stalled: cond(false, 'NotStalled', '', at),
    },
  };
}

/** A run for `run.commit` has started. */
export function startRun(status: StackStatus, run: RunRecord, at: string): StackStatus {
  const c = status.conditions;
  // A stack stalls on one commit: a run of another commit starts afresh, so that a failure of that
  // run which does not stall (a lock, a transient error) can never leave the old stall on the new commit.
  const newCommit = run.apply && run.commit !== status.observedCommit;
  return {
    ...status,
    // A preview of another ref (a pull request, a remediation's policy check) is not what the stack observes.
    ...(run.apply ? { observedCommit: run.commit } : {}),
    lastRunId: run.id,
    conditions: {
      ...c,
      Reconciling: cond(true, run.apply ? 'Applying' : 'Previewing', `run ${run.id} for ${run.commit.slice(0, 12)}`, at, c.Reconciling),
      ...(newCommit && c.Stalled.status ? { Stalled: cond(false, 'NotStalled', `a new commit ${run.commit.slice(0, 12)} is being reconciled`, at, c.Stalled) } : {}),
    },
  };
}

/** Folds a finished run into the stack's status. Preview-only runs leave Ready as it was. */
export function applyRun(status: StackStatus, run: RunRecord, at: string, outputs?: Record<string, unknown>, links?: StackLinks): StackStatus {
  const c = status.conditions;
  const idle = cond(false, 'Idle', 'no run under way', at, c.Reconciling);
  const next: StackStatus = { ...status, lastRunId: run.id, conditions: { ...c, Reconciling: idle } };
  // A preview-only run neither readies nor stalls the stack: a pull request failing policy is its own business.
  if (!run.apply) return next;
  next.observedCommit = run.commit;
  if (run.status === 'applied' || (run.status === 'unchanged' && run.apply)) {
    next.appliedCommit = run.commit;
    next.appliedAt = at;
    if (outputs) next.outputs = outputs;
    if (links) next.links = links;
    next.conditions.Ready = cond(true, 'Applied', `commit ${run.commit.slice(0, 12)} applied`, at, c.Ready);
    next.conditions.Stalled = cond(false, 'NotStalled', '', at, c.Stalled);
  } else if (run.status === 'failed' && run.reason && STALLING_REASONS.has(run.reason)) {
    next.conditions.Ready = cond(false, run.reason, run.message ?? run.reason, at, c.Ready);
    next.conditions.Stalled = cond(true, run.reason, `${run.message ?? run.reason}; waiting for a new commit`, at, c.Stalled);
  } else if (run.status === 'failed') {
    next.conditions.Ready = cond(false, run.reason ?? 'EngineError', run.message ?? 'the run failed', at, c.Ready);
  }
  return next;
}

/**
 * A stack whose apply of `commit` waits on a failed dependency (or a cycle):
 * not Ready, naming the cause; it goes on by itself once that is fixed.
 */
export function blockRun(status: StackStatus, commit: string, why: string, at: string): StackStatus {
  const c = status.conditions;
  return { ...status, observedCommit: commit, conditions: { ...c, Ready: cond(false, 'Blocked', `waiting for a dependency: ${why}`, at, c.Ready) } };
}

/**
 * Whether the stack's last apply failed by itself: it finished (not
 * `NeverApplied`), not Ready, not waiting on a dependency (`Blocked`, which
 * resumes it), and no run is under way whose outcome is still open.
 */
export function applyFailed(status: StackStatus): boolean {
  const c = status.conditions;
  return status.observedCommit !== undefined && !c.Ready.status && !c.Reconciling.status && c.Ready.reason !== 'NeverApplied' && c.Ready.reason !== 'Blocked';
}

/** Whether a run of `commit` may start: a stalled stack waits for a commit other than the one it stalled on. */
export function isStalledFor(status: StackStatus | undefined, commit: string): boolean {
  return status !== undefined && status.conditions.Stalled.status && status.observedCommit === commit;
}

/**
 * A status with no record of its stack (Redis was lost) learns the commit the
 * state backend says was applied last: the stack is Ready at that commit, so
 * that the next plan compares against it instead of applying everything.
 */
export function restoreApplied(status: StackStatus, commit: string, at: string, outputs?: Record<string, unknown>): StackStatus {
  const c = status.conditions;
  return {
    ...status,
    observedCommit: commit,
    appliedCommit: commit,
    appliedAt: at,
    ...(outputs ? { outputs } : {}),
    conditions: { ...c, Ready: cond(true, 'Restored', `commit ${commit.slice(0, 12)} read back from the state backend's history`, at, c.Ready) },
  };
}

/** Whether Redis knows nothing of the stack: no run was ever recorded for it. */
export function isBlank(status: StackStatus): boolean {
  return status.appliedCommit === undefined && status.observedCommit === undefined && status.lastRunId === undefined;
}
