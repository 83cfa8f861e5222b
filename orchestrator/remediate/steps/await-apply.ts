import { MAX_ATTEMPTS } from '../../queue/deploy-queue.ts';
import type { RunRecord } from '../../records/run-record.ts';
import { seriesOf } from '../../telemetry/index.ts';
import { timelineEvent } from '../../timeline/timeline-event.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { isDeployFinished } from '../transitions/finished-runs.ts';
import { audit, contractOf, fields, repoOf, sleepUnlessClosing, waitFor, type StepContext } from './step-context.ts';

/**
 * await apply (state `committed`): the ordinary deploy path applies the
 * commit (or a later one that contains it). Applied, the record moves to
 * `verifying` with the newest point of each named series, once the
 * telemetry has been read after the apply, as its watermark;
 * a deploy that failed for good ends it as `failed`.
 */
export async function awaitApplyStep(ctx: StepContext, rec: RemediationRecord): Promise<RemediationRecord> {
  const { deps } = ctx;
  const repo = repoOf(ctx, rec);
  const commit = rec.commit!;
  const run = await waitFor<RunRecord | 'superseded'>(ctx, `the deploy of ${commit.slice(0, 12)}`, deps.deployTimeoutMs ?? 15 * 60_000, async () => {
    const runs = await deps.runs.list({ stackKey: rec.stackKey, limit: 100 });
    const own = runs.find((r) => isDeployFinished(r, commit, MAX_ATTEMPTS));
    if (own) return own;
    const status = await deps.runs.status(rec.stackKey);
    if (status.appliedCommit && status.appliedCommit !== commit && status.appliedCommit !== rec.baseCommit && (await deps.git.isAncestor(repo, commit, status.appliedCommit))) return 'superseded';
    return undefined;
  });
  if (run !== 'superseded' && run.status !== 'applied' && run.status !== 'unchanged') {
    const next = advance(rec, 'failed', `the deploy of ${commit.slice(0, 12)} ${run.status}: ${run.reason ?? ''} ${run.message ?? ''}`.trim());
    ctx.emit(timelineEvent('error', next.message!, { ...fields(next), commit, outcome: 'failed' }));
    await audit(ctx, next, 'applied', next.message!, { runId: run.id, status: run.status, reason: run.reason });
    return next;
  }
  // Verification reads only points newer than these.
  const appliedAt = new Date().toISOString();
  const series = await namedSeries(ctx, rec);
  const readAfterApply = await readSince(ctx, series, Date.parse(appliedAt));
  const watermarks: Record<string, number> = {};
  for (const seriesId of series) {
    const points = await deps.incidents.recent(seriesId);
    watermarks[seriesId] = points.at(-1)?.timestamp ?? 0;
  }
  await deps.ledger.recordOutcome({ playbook: rec.playbook!, stackKey: rec.stackKey, event: 'applied', mode: rec.mode ?? 'auto' });
  const next = { ...advance(rec, 'verifying', `applied${run === 'superseded' ? ' (with a later commit)' : ` by run ${run.id}`}; watching ${Object.keys(watermarks).length} signal(s)`), appliedAt, watermarks, ...(run !== 'superseded' ? { deployRunId: run.id } : {}) };
  ctx.emit(timelineEvent('apply', `${rec.playbook ?? 'the remediation'} applied; verifying ${series.length} signal(s) for ${deps.config.verificationSeconds} s`, { ...fields(next), commit, outcome: 'remediation-applied' }));
  await audit(ctx, next, 'applied', next.message!, { runId: next.deployRunId, watermarks, readAfterApply });
  return next;
}

/**
 * Waits, up to the verification window, until the telemetry poller has read
 * each series in a poll that began at or after `since`; false when it did
 * not (telemetry is behind or down). Only then is every point the source
 * held when the change was applied behind the watermark: a point measured
 * before the change but read after it would otherwise count as "after", and
 * the change would be judged on the very load it was meant to relieve.
 */
export async function readSince(ctx: StepContext, seriesIds: readonly string[], since: number): Promise<boolean> {
  const reads = ctx.deps.telemetryReads;
  if (!reads || seriesIds.length === 0) return true;
  const deadline = since + ctx.deps.config.verificationSeconds * 1000;
  for (;;) {
    const at = await reads.readAt(seriesIds);
    if (seriesIds.every((id) => (at.get(id) ?? -Infinity) >= since)) return true;
    if (Date.now() >= deadline || ctx.closing.aborted) return false;
    await sleepUnlessClosing(ctx, READ_RECHECK_MS);
  }
}

/** How often the wait for a poll looks at the read times: one small Redis read. */
const READ_RECHECK_MS = 250;

/** Series ids of the signals the proposal expects to move, as the incident recorded them (or from the contract). */
async function namedSeries(ctx: StepContext, rec: RemediationRecord): Promise<string[]> {
  const wanted = new Set((rec.proposal?.expectedEffect ?? []).map((e) => e.signalId));
  const incident = await ctx.deps.incidents.get(rec.incidentId);
  const out = new Map<string, string>();
  for (const s of incident?.incident.signals ?? []) if (s.stackKey === rec.stackKey && wanted.has(s.signalId)) out.set(s.signalId, s.seriesId);
  const contract = await contractOf(ctx, rec.stackKey);
  if (contract) {
    for (const spec of seriesOf([{ stackKey: rec.stackKey, healthSignals: contract.healthSignals, alarms: contract.alarms }])) {
      if (wanted.has(spec.signalId) && !out.has(spec.signalId)) out.set(spec.signalId, spec.seriesId);
    }
  }
  return [...out.values()];
}
