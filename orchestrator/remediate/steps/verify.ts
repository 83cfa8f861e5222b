import { setTimeout as sleep } from 'node:timers/promises';
import { changeFingerprint } from '../../decide/index.ts';
import { seriesOf } from '../../telemetry/index.ts';
import { timelineEvent } from '../../timeline/timeline-event.ts';
import { saturationLimitOf } from '../../forecast/index.ts';
import { verifyEffect, type SignalWindow, type Verification } from '../../verify/verify-effect.ts';
import { verifyForecast, type ForecastWindow } from '../../verify/verify-forecast.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { revertStep } from './revert.ts';
import { audit, contractOf, fields, repoOf, sleepUnlessClosing, type StepContext } from './step-context.ts';

/**
 * verify (state `verifying`): after the window, compare the named signals
 * with their levels before and during the incident; for a proactive change
 * (made on a forecast), ask the forecast again: no breach expected within
 * the horizon any more, or, while the forecast restarts after the change,
 * more headroom (verify/verify-forecast.ts). Effective, the remediation ends
 * there and the incident is resolved; otherwise the revert step undoes the
 * change (or escalates).
 */
export async function verifyStep(ctx: StepContext, rec: RemediationRecord): Promise<RemediationRecord> {
  const { deps } = ctx;
  const windowMs = deps.config.verificationSeconds * 1000;
  const appliedAt = Date.parse(rec.appliedAt!);
  const wait = appliedAt + windowMs - Date.now();
  if (wait > 0) await sleepUnlessClosing(ctx, wait);
  const windows = await freshWindows(ctx, rec, windowMs);
  const verification = rec.proposal?.proactive === true ? verifyForecast(await forecastWindows(ctx, rec)) : verifyEffect(windows);
  const next: RemediationRecord = { ...rec, verification: { outcome: verification.outcome, summary: verification.summary, signals: verification.signals.map((x) => ({ ...x })) } };
  const repo = repoOf(ctx, rec);
  if (verification.outcome !== 'effective') return revertStep(ctx, next, verification, repo, appliedAt);
  return effective(ctx, next, verification, appliedAt);
}

/** It helped: the track record and the canary learn it, and the incident ends. */
async function effective(ctx: StepContext, rec: RemediationRecord, verification: Verification, appliedAt: number): Promise<RemediationRecord> {
  const { deps } = ctx;
  await deps.ledger.resetRollbacks(rec.stackKey);
  await deps.ledger.recordOutcome({ playbook: rec.playbook!, stackKey: rec.stackKey, event: 'effective', mode: rec.mode ?? 'auto' });
  if (rec.proposal) await deps.ledger.recordCanaryVerified({ stackKey: rec.stackKey, change: changeFingerprint(rec.proposal), verifiedAt: Date.now() });
  const done = advance(rec, 'effective', verification.summary);
  ctx.emit(timelineEvent('verify', verification.summary, { ...fields(done), commit: rec.commit!, outcome: 'effective', durationMs: Date.now() - appliedAt }));
  await audit(ctx, done, 'verified', verification.summary, { verification });
  await deps.resolveIncident?.(rec.incidentId, `${rec.playbook} verified as effective: ${verification.summary}`);
  return done;
}

/** The named signals that saturate (with a limit), as the forecast sees them: primary first. */
async function forecastWindows(ctx: StepContext, rec: RemediationRecord): Promise<ForecastWindow[]> {
  const { deps } = ctx;
  const contract = await contractOf(ctx, rec.stackKey);
  if (!contract) return [];
  const specs = seriesOf([{ stackKey: rec.stackKey, healthSignals: contract.healthSignals, alarms: contract.alarms }]);
  const forecast = deps.forecast ?? { horizonMs: 30 * 60_000, minConfidence: 0.9 };
  const windows: ForecastWindow[] = [];
  for (const effect of rec.proposal?.expectedEffect ?? []) {
    const signal = contract.healthSignals.find((s) => s.id === effect.signalId);
    const limit = signal ? saturationLimitOf(signal) : undefined;
    const spec = specs.find((s) => s.signalId === effect.signalId);
    if (!limit || !spec) continue;
    const watermark = rec.watermarks?.[spec.seriesId] ?? Date.parse(rec.appliedAt!);
    windows.push({ signalId: effect.signalId, limit, points: await deps.incidents.recent(spec.seriesId), watermark, ...forecast });
  }
  return windows;
}

/**
 * The named signals' windows (before the onset, during the incident, after
 * the watermark). Waits up to another window until each named series has
 * enough fresh points to judge.
 */
async function freshWindows(ctx: StepContext, rec: RemediationRecord, windowMs: number): Promise<SignalWindow[]> {
  const { deps } = ctx;
  const incident = await deps.incidents.get(rec.incidentId);
  const onsetAt = incident?.incident.onsetAt ?? 0;
  const effects = rec.proposal?.expectedEffect ?? [];
  const signalOf = new Map((incident?.incident.signals ?? []).map((s) => [s.seriesId, s.signalId]));
  const contract = await contractOf(ctx, rec.stackKey);
  if (contract) for (const spec of seriesOf([{ stackKey: rec.stackKey, healthSignals: contract.healthSignals, alarms: contract.alarms }])) if (!signalOf.has(spec.seriesId)) signalOf.set(spec.seriesId, spec.signalId);
  const enough = deps.config.verificationPoints;
  const series = Object.keys(rec.watermarks ?? {});
  const collect = async () => {
    const windows: SignalWindow[] = [];
    for (const seriesId of series) {
      const effect = effects.find((e) => e.signalId === signalOf.get(seriesId));
      if (!effect) continue;
      const mark = rec.watermarks![seriesId]!;
      const points = await deps.incidents.recent(seriesId);
      windows.push({
        effect,
        before: points.filter((p) => p.timestamp < onsetAt).map((p) => p.value),
        during: points.filter((p) => p.timestamp >= onsetAt && p.timestamp <= mark).map((p) => p.value),
        after: points.filter((p) => p.timestamp > mark).map((p) => p.value),
      });
    }
    return windows;
  };
  let windows = await collect();
  const deadline = Date.now() + windowMs;
  while (windows.some((w) => w.after.length < enough) && Date.now() < deadline && !ctx.closing.aborted) {
    await sleep(Math.min(1000, windowMs / 10));
    windows = await collect();
  }
  return windows;
}
