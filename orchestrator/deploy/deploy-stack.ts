import { join } from 'node:path';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import { applyMessage } from '../engine/applied-commit.ts';
import type { EngineIdentity } from '../engine/engine-lock.ts';
import type { RunOptions, RunResult, StackRunner } from '../engine/stack-runner.ts';
import { changedResources, type RunSummary } from '../engine/run-summary.ts';
import { policyConfigFor, type PolicyConfig } from '../plan/policy-config.ts';
import { planPolicyPacks, type PolicyPackUse } from '../plan/policy-packs.ts';
import { policyPackDigest } from '../source/pack-digest.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { planKey, type RunPlan } from '../plan/update-plan.ts';
import type { PlanStore } from '../records/plan-store.ts';
import { changedOutputs } from './output-changes.ts';
import { applyWithPlan, previewSavingPlan, type PlanContext } from './plan-runs.ts';

/** What one deploy of one stack at one commit came to. */
export type DeployStatus = 'applied' | 'previewed' | 'unchanged' | 'policy-violation' | 'failed';

export interface DeployOutcome {
  status: DeployStatus;
  preview: RunResult;
  apply?: RunResult;
  /** After an apply: the stack outputs it added, removed or gave a new value (see `output-changes.ts`). */
  changedOutputs?: string[];
  /** Which policy packs ran: the pinned ones, the commit's own, and how they differ. */
  policyPacks: PolicyPackUse;
  /** What the run did with update plans; absent when the deploy had no plan cache. */
  plan?: RunPlan;
}

export interface DeployStackInput {
  artifact: SourceArtifact;
  /** Project folder within the artifact ('' for the root). */
  project: string;
  stack: string;
  /** Apply after a clean preview (the deploy branch); preview only otherwise. */
  apply: boolean;
  /** Policy pack folders, relative to the repository root: the commit's own packs are enforced. */
  policyPacks: string[];
  /** The service's pinned pack folders (absolute): always enforced, whatever the commit holds. */
  pinnedPolicyPacks?: string[];
  /** Names of the service's environment variables the stack's engine gets (the repository's `engineEnv`). */
  passEnv?: readonly string[];
  /** Base policy config (levels, thresholds) from the service config. */
  policyConfig?: PolicyConfig;
  /**
   * The stack's outputs as last applied (from the service's records), for the
   * policy baselines; read from the engine when not given.
   */
  deployedOutputs?: Record<string, unknown>;
  /** Called just before the engine is asked for the preview. */
  onPreviewStart?: () => void;
  /** Called after a clean preview and before `up` starts: the place to record intent. */
  beforeApply?: () => Promise<void>;
  /** Called with every engine event of the preview and the update (the run log). */
  onEngineEvent?: (event: EngineEvent) => void;
  /** Aborts the engine (graceful shutdown past its grace period, a lost lease). */
  signal?: AbortSignal;
  /** After `signal`, how long the engine has to stop before it is killed. */
  interruptGraceMs?: number;
  /** Called when an engine process that may take the stack's lock starts: the run records it. */
  onEngineStarted?: (engine: EngineIdentity) => void;
  /** Refresh before preview and update, so drift is undone (drift reconcile). */
  refresh?: boolean;
  /**
   * The service's cache of update plans: a preview saves its plan there, and
   * an apply of the same content on the same stack state runs within it
   * without previewing again. Without it, every apply previews (as before).
   */
  plans?: { store: PlanStore; repo: string; runId?: string };
}

const PAST: Record<'create' | 'update' | 'replace' | 'delete', string> = {
  create: 'created',
  update: 'updated',
  replace: 'replaced',
  delete: 'deleted',
};

/** One line summing up a run, like the Pulumi CLI's "Resources:" block: "1 to update" or, once applied, "1 updated". */
export function describeChanges(summary: RunSummary, applied = false): string {
  const parts = (['create', 'update', 'replace', 'delete'] as const)
    .filter((op) => summary.counts[op] > 0)
    .map((op) => (applied ? `${summary.counts[op]} ${PAST[op]}` : `${summary.counts[op]} to ${op}`));
  // New and deleted resources are named; updated ones show what changes.
  const props = changedResources(summary)
    .flatMap((r) =>
      r.op === 'update' || r.op === 'replace'
        ? r.changes.map((c) => `${r.name}.${c.path}: ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`)
        : [`${r.op} ${r.name}`],
    )
    .slice(0, 4);
  return parts.length === 0 ? 'no changes' : `${parts.join(', ')}${props.length ? ` (${props.join('; ')})` : ''}`;
}

function engineOptions(input: DeployStackInput): RunOptions {
  return {
    ...(input.onEngineEvent ? { onEvent: input.onEngineEvent } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.interruptGraceMs !== undefined ? { interruptGraceMs: input.interruptGraceMs } : {}),
    ...(input.onEngineStarted ? { onEngineStarted: input.onEngineStarted } : {}),
    ...(input.refresh ? { refresh: true } : {}),
  };
}

/**
 * The engine stage for one stack: preview with the policy packs and, when
 * asked and the preview is clean, apply. It reads only the artifact's folder.
 */
export async function deployStack(runner: StackRunner, input: DeployStackInput, emit: TimelineSink = () => {}): Promise<DeployOutcome> {
  const ref = { workDir: join(input.artifact.dir, input.project), stack: input.stack, ...(input.passEnv ? { passEnv: input.passEnv } : {}) };
  const at = { stack: input.stack, commit: input.artifact.commit };
  const deployed = input.deployedOutputs ?? (await runner.outputs(ref).catch(() => undefined));
  const policyConfig = policyConfigFor(deployed, input.policyConfig);
  // policy packs: the pinned ones always; the commit's own besides them (they can add rules, never remove a pinned one).
  const pinned = await Promise.all((input.pinnedPolicyPacks ?? []).map(async (path) => ({ path, digest: await policyPackDigest(path) })));
  const own = await Promise.all(input.policyPacks.map(async (relative) => ({ relative, path: join(input.artifact.dir, relative), digest: await policyPackDigest(join(input.artifact.dir, relative)) })));
  const packs = planPolicyPacks(pinned, own);
  for (const note of packs.use.notes) emit(timelineEvent('policy', note, { ...at, outcome: 'note' }));
  const options = { policyConfig, policyPacks: packs.run, ...engineOptions(input) };
  const policyPacks = packs.use;
  const plans: PlanContext | undefined = input.plans && {
    store: input.plans.store,
    key: planKey({ repo: input.plans.repo, tree: input.artifact.digest, project: input.project, stack: input.stack, policyPacks: [...pinned, ...own].map((p) => p.digest ?? `none:${p.path}`) }),
    commit: input.artifact.commit,
    ...(input.plans.runId ? { runId: input.plans.runId } : {}),
  };

  if (!input.apply) {
    // preview (+ policy): pull requests and other refs
    input.onPreviewStart?.();
    const { preview, plan } = plans ? await previewSavingPlan(runner, ref, options, plans) : { preview: await runner.run('preview', ref, options), plan: undefined };
    emit(timelineEvent('preview', describeChanges(preview.summary), { ...at, durationMs: preview.durationMs, outcome: preview.ok ? 'ok' : 'failed', details: { counts: preview.summary.counts } }));
    const verdict = policyVerdict(preview, at, emit);
    if (verdict) return { ...verdict, policyPacks };
    return { status: 'previewed', preview, policyPacks, ...(plan ? { plan } : {}) };
  }

  // preview (+ policy) and apply, in one engine process: the engine updates
  // only when its preview passed, as a person's `pulumi up` does; or, with
  // the plan this content's preview saved on this stack state, the update
  // alone, held to that plan (see plan-runs.ts).
  await input.beforeApply?.();
  input.onPreviewStart?.();
  const applyOptions = { ...options, message: applyMessage(input.artifact.commit) };
  const { run, plan } = plans ? await applyWithPlan(runner, ref, applyOptions, plans) : { run: await runner.run('apply', ref, applyOptions), plan: undefined };
  const planned = plan ? { plan } : {};
  emit(timelineEvent('preview', describeChanges(run.summary), { ...at, outcome: run.ok ? 'ok' : 'failed', details: { counts: run.summary.counts } }));
  const verdict = policyVerdict(run, at, emit);
  if (verdict) return { ...verdict, policyPacks, ...planned };
  // A change is to a resource or to the outputs: other stacks read the outputs (a program of outputs alone changes only those).
  const resources = changedResources(run.summary).length > 0;
  const outputs = changedOutputs(deployed, run.summary.outputs);
  const changed = resources || outputs.length > 0;
  const what = [...(resources ? [describeChanges(run.summary, true)] : []), ...(outputs.length > 0 ? [`outputs changed: ${outputs.join(', ')}`] : [])];
  emit(timelineEvent('apply', changed ? what.join('; ') : 'nothing to apply', { ...at, durationMs: run.durationMs, outcome: changed ? 'ok' : 'unchanged', ...(outputs.length > 0 ? { details: { changedOutputs: outputs } } : {}) }));
  return { status: changed ? 'applied' : 'unchanged', preview: run, apply: run, changedOutputs: outputs, policyPacks, ...planned };
}

/** Reports the policy result; returns the outcome when the run must stop here. */
function policyVerdict(run: RunResult, at: { stack: string; commit: string }, emit: TimelineSink): Omit<DeployOutcome, 'policyPacks'> | undefined {
  const mandatory = run.summary.policyViolations.filter((v) => v.level === 'mandatory');
  emit(
    timelineEvent(
      'policy',
      mandatory.length === 0
        ? `passed (${run.summary.policyViolations.length} advisory)`
        : `violated: ${mandatory.map((v) => `${v.policy}: ${v.message}`).join('; ')}`,
      { ...at, outcome: mandatory.length === 0 ? 'passed' : 'violated' },
    ),
  );
  if (mandatory.length > 0) return { status: 'policy-violation', preview: run };
  if (!run.ok) {
    emit(timelineEvent('error', `${run.kind} failed: ${run.error ?? 'unknown error'}`, at));
    return { status: 'failed', preview: run };
  }
  return undefined;
}
