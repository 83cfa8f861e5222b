import { join } from 'node:path';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import type { RunResult, StackRunner } from '../engine/stack-runner.ts';
import { changedResources, type RunSummary } from '../engine/run-summary.ts';
import { policyConfigFor, type PolicyConfig } from '../plan/policy-config.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

/** What one deploy of one stack at one commit came to. */
export type DeployStatus = 'applied' | 'previewed' | 'unchanged' | 'policy-violation' | 'failed';

export interface DeployOutcome {
  status: DeployStatus;
  preview: RunResult;
  apply?: RunResult;
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
  /** Aborts the engine (graceful shutdown past its grace period). */
  signal?: AbortSignal;
  /** Refresh before preview and update, so drift is undone (drift reconcile). */
  refresh?: boolean;
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

function engineOptions(input: DeployStackInput): { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal; refresh?: boolean } {
  return {
    ...(input.onEngineEvent ? { onEvent: input.onEngineEvent } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.refresh ? { refresh: true } : {}),
  };
}

/**
 * The engine stage for one stack: preview with the policy packs and, when
 * asked and the preview is clean, apply. It reads only the artifact's folder.
 */
export async function deployStack(runner: StackRunner, input: DeployStackInput, emit: TimelineSink = () => {}): Promise<DeployOutcome> {
  const ref = { workDir: join(input.artifact.dir, input.project), stack: input.stack };
  const at = { stack: input.stack, commit: input.artifact.commit };
  const deployed = input.deployedOutputs ?? (await runner.outputs(ref).catch(() => undefined));
  const policyConfig = policyConfigFor(deployed, input.policyConfig);
  const policyPacks = input.policyPacks.map((p) => join(input.artifact.dir, p));

  // preview
  input.onPreviewStart?.();
  const preview = await runner.run('preview', ref, { policyConfig, policyPacks, ...engineOptions(input) });
  emit(timelineEvent('preview', describeChanges(preview.summary), { ...at, durationMs: preview.durationMs, outcome: preview.ok ? 'ok' : 'failed', details: { counts: preview.summary.counts } }));
  // policy
  const mandatory = preview.summary.policyViolations.filter((v) => v.level === 'mandatory');
  emit(
    timelineEvent(
      'policy',
      mandatory.length === 0
        ? `passed (${preview.summary.policyViolations.length} advisory)`
        : `violated: ${mandatory.map((v) => `${v.policy}: ${v.message}`).join('; ')}`,
      { ...at, outcome: mandatory.length === 0 ? 'passed' : 'violated' },
    ),
  );
  if (mandatory.length > 0) return { status: 'policy-violation', preview };
  if (!preview.ok) {
    emit(timelineEvent('error', `preview failed: ${preview.error ?? 'unknown error'}`, at));
    return { status: 'failed', preview };
  }
  if (!input.apply) return { status: 'previewed', preview };
  if (changedResources(preview.summary).length === 0 && Object.keys(deployed ?? {}).length > 0 && !input.refresh) {
    emit(timelineEvent('apply', 'nothing to apply', { ...at, outcome: 'unchanged' }));
    return { status: 'unchanged', preview };
  }

  // apply
  await input.beforeApply?.();
  const apply = await runner.run('up', ref, { policyConfig, policyPacks, ...engineOptions(input), message: `homeostat: ${input.artifact.commit.slice(0, 12)}` });
  emit(timelineEvent('apply', apply.ok ? describeChanges(apply.summary, true) : `failed: ${apply.error}`, { ...at, durationMs: apply.durationMs, outcome: apply.ok ? 'ok' : 'failed' }));
  return { status: apply.ok ? 'applied' : 'failed', preview, apply };
}
