import { setTimeout as sleep } from 'node:timers/promises';
import { PLAYBOOKS, type Playbook } from '../../../remediations/index.ts';
import { StackContractSchema, type StackContract } from '../../../stacks/contract.ts';
import type { AuditEntryInput } from '../../audit/index.ts';
import type { ServiceConfig } from '../../config/service-config.ts';
import type { IncidentStore } from '../../correlate/incident-store.ts';
import type { ChangeStore } from '../../changes/change-store.ts';
import type { DiagnosisOptions } from '../../diagnose/index.ts';
import type { ForgeAdapter } from '../../forge/forge.ts';
import type { IntakeQueue } from '../../intake/intake-queue.ts';
import { parseStackKey } from '../../model/stack-key.ts';
import type { DeployFinishes } from '../../queue/deploy-finishes.ts';
import type { DeployQueue } from '../../queue/deploy-queue.ts';
import type { RunStore } from '../../records/run-store.ts';
import type { TelemetryStore } from '../../telemetry/index.ts';
import { timelineEvent, type TimelineSink } from '../../timeline/timeline-event.ts';
import type { TraceGraph } from '../../traces/trace-graph.ts';
import type { GitWriter, RepoRef } from '../git-writer.ts';
import type { GuardrailLedger } from '../guardrail-ledger.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import type { RemediationStore } from '../remediation-store.ts';

/**
 * What every remediation step works with: the adapters it reads and writes
 * through, passed in (no step reaches Redis, Git or the forge by itself), and
 * the helpers several steps share (audit entries, timeline fields, the push
 * announcement, the commit that reached the deploy branch, waiting).
 */

/** A watched repository as remediation sees it. */
export interface RemediationRepo extends RepoRef {
  deployBranch: string;
  /** `owner/repo` on the forge, for pull requests. */
  forgeRepoName?: string;
}

/** The adapters and settings the steps use (the worker adds its queue connection and lock). */
export interface RemediationStepDeps {
  store: RemediationStore;
  ledger: GuardrailLedger;
  audit: { append(entry: AuditEntryInput): Promise<unknown> };
  incidents: IncidentStore;
  /**
   * When the telemetry poller last read each series (the telemetry store's
   * `readAt`): after a change, the verification watermark waits for a read
   * that began after the apply. Without it, the newest point at hand is taken.
   */
  telemetryReads?: Pick<TelemetryStore, 'readAt'>;
  runs: RunStore;
  deployQueue: DeployQueue;
  intake: IntakeQueue;
  git: GitWriter;
  repo(id: string): RemediationRepo | undefined;
  forge?: (repoId: string) => ForgeAdapter | undefined;
  config: ServiceConfig['remediation'];
  /** Windows of the diagnosis rules, as the correlate worker uses them; defaults from diagnose/diagnosis-options.ts. */
  diagnosis?: DiagnosisOptions;
  /**
   * The latest service graph from traces, as the correlate worker reads it:
   * the propose step diagnoses again, and without the graph a slow dependency
   * seen only in traces would fall back to saturation or unknown and have
   * the caller's capacity proposed. None: diagnosis without traces.
   */
  traceGraph?: () => Promise<TraceGraph | undefined>;
  /** Changes made outside Git (change events), for the diagnosis; default none. */
  changes?: Pick<ChangeStore, 'since'>;
  /** Where timeline events go; default nowhere. */
  emit?: TimelineSink;
  /** Default: every playbook of `remediations/`. */
  playbooks?: readonly Playbook[];
  /** How long to wait for the policy check and for the deploy of a change; default 15 min each. */
  policyTimeoutMs?: number;
  deployTimeoutMs?: number;
  /**
   * How a wait for the policy check or the deploy resumes: at each finished
   * deploy job (the worker watches the deploy queue's events), and at the
   * latest after `recheckMs` (default 5 s) in case an event was missed.
   */
  deployFinishes?: Pick<DeployFinishes, 'next'>;
  /** The longest a wait goes without looking at the records again; default 5 s (250 ms without `deployFinishes`). */
  recheckMs?: number;
  /**
   * The service's forecast settings (config `forecast`), against which a proactive change is verified.
   * Default: a 30-minute horizon at 0.9 confidence.
   */
  forecast?: { horizonMs: number; minConfidence: number };
  /** Ends the incident once its remediation is verified as effective (the correlate worker's tracker owns incidents). */
  resolveIncident?: (incidentId: string, reason: string) => Promise<void>;
}

/** The steps' context: the deps with their defaults filled in, and the worker's shutdown signal. */
export interface StepContext {
  deps: RemediationStepDeps;
  emit: TimelineSink;
  playbooks: readonly Playbook[];
  recheckMs: number;
  /** Aborted when the worker closes: waits end instead of running out their time. */
  closing: AbortSignal;
}

/** One step of a remediation: the record in, the record to save out. */
export type RemediationStepFn = (ctx: StepContext, rec: RemediationRecord) => Promise<RemediationRecord>;

export function createStepContext(deps: RemediationStepDeps, closing: AbortSignal): StepContext {
  const recheckMs = deps.recheckMs ?? (deps.deployFinishes ? 5000 : 250);
  return { deps, emit: deps.emit ?? (() => {}), playbooks: deps.playbooks ?? PLAYBOOKS, recheckMs, closing };
}

export async function audit(ctx: StepContext, rec: RemediationRecord, type: AuditEntryInput['type'], summary: string, data: Record<string, unknown> = {}, actor = 'homeostat'): Promise<void> {
  await ctx.deps.audit.append({
    type,
    actor,
    stackKey: rec.stackKey,
    incidentId: rec.incidentId,
    ...(rec.playbook ? { playbook: rec.playbook } : {}),
    ...(rec.commit ? { commit: rec.commit } : {}),
    summary,
    data: { remediationId: rec.id, ...data },
  });
}

/** The fields every remediation timeline event carries. */
export function fields(rec: RemediationRecord) {
  return {
    stack: parseStackKey(rec.stackKey).stack,
    incident: rec.incidentId,
    ...(rec.playbook ? { playbook: rec.playbook } : {}),
    ...(rec.confidence !== undefined ? { confidence: round2(rec.confidence) } : {}),
  };
}

export function repoOf(ctx: StepContext, rec: RemediationRecord): RemediationRepo {
  const repo = ctx.deps.repo(rec.repoId);
  if (!repo) throw new Error(`repository ${rec.repoId} is not watched (anymore)`);
  return repo;
}

/**
 * Asks `probe` until it answers, the time runs out or the worker closes:
 * again after each finished deploy job, and at least every `recheckMs`.
 */
export async function waitFor<T>(ctx: StepContext, what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const round = new AbortController();
    const stop = AbortSignal.any([round.signal, ctx.closing]);
    // Taken before the look, so a finish during the look still wakes the wait.
    const finished = ctx.deps.deployFinishes?.next(stop);
    try {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      if (ctx.closing.aborted) throw new Error(`shutting down while waiting for ${what}`);
      const recheck = sleep(Math.max(0, Math.min(ctx.recheckMs, deadline - Date.now())), undefined, { signal: stop }).catch(() => undefined);
      await Promise.race(finished ? [finished, recheck] : [recheck]);
    } finally {
      round.abort();
    }
  }
}

export async function sleepUnlessClosing(ctx: StepContext, ms: number): Promise<void> {
  await sleep(ms, undefined, { signal: ctx.closing }).catch(() => undefined);
}

/** The stack's contract from its last applied outputs. */
export async function contractOf(ctx: StepContext, stackKey: string): Promise<StackContract | undefined> {
  const status = await ctx.deps.runs.status(stackKey);
  const parsed = StackContractSchema.safeParse(status.outputs?.homeostat);
  return parsed.success ? parsed.data : undefined;
}

/** The time of the newest point of any of these series (0 when none has one). */
export async function newestPoint(ctx: StepContext, seriesIds: readonly string[]): Promise<number> {
  let newest = 0;
  for (const id of new Set(seriesIds)) newest = Math.max(newest, (await ctx.deps.incidents.recent(id)).at(-1)?.timestamp ?? 0);
  return newest;
}

/** Confidence a proposal on this stack needs to be applied automatically. */
export function thresholdOf(ctx: StepContext, stackKey: string): number {
  return ctx.deps.config.stackThresholds[stackKey] ?? ctx.deps.config.confidenceThreshold;
}

/** Tells the deploy path about the new head at once, the way a forge's webhook would. */
export async function announcePush(ctx: StepContext, repo: RemediationRepo, before: string, after: string): Promise<void> {
  await ctx.deps.intake.add({
    kind: 'push',
    forge: 'cli',
    deliveryId: `homeostat-${after}`,
    repoName: repo.forgeRepoName ?? repo.id,
    cloneUrls: [repo.url],
    receivedAt: new Date().toISOString(),
    ref: `refs/heads/${repo.deployBranch}`,
    before,
    after,
  });
}

/** The change reached the deploy branch (by itself or by a person's approval): recorded, announced, and next the deploy. */
export async function committed(ctx: StepContext, rec: RemediationRecord, repo: RemediationRepo, commit: string, base: string, how: string): Promise<RemediationRecord> {
  const next = { ...advance(rec, 'committed', `${commit.slice(0, 12)} ${how}`), commit, baseCommit: base };
  ctx.emit(timelineEvent('decision', `${next.mode === 'review' ? 'approved by a person' : 'automatic'}: ${(rec.decision?.reasons ?? []).join('; ')}`, { ...fields(next), outcome: next.mode === 'review' ? 'approved' : 'auto' }));
  ctx.emit(timelineEvent('commit', `${commit.slice(0, 12)} ${how}`, { ...fields(next), commit, outcome: 'committed' }));
  await audit(ctx, next, 'commit', `${commit.slice(0, 12)} ${how}`, { decision: rec.decision, mode: next.mode, base, branch: rec.branch, trailers: true });
  await announcePush(ctx, repo, base, commit);
  return next;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
