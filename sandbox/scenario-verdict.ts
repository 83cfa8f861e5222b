import type { TimelineEvent } from '../orchestrator/timeline/timeline-event.ts';
import { DEFAULT_VOLUME_GIB, type ServiceShape } from './fleet-model.ts';
import { INSTANCE_SIZES } from '../stacks/sandbox/instance-sizes.ts';
import { ERROR_SLO_MINUTES, ERROR_SLO_PERCENT } from './scenario-plan.ts';
import type { MinuteRecord, RemediationCommit, RemediationObservation, ServiceRecords, Observations, Mark, Measurements, Warning, WhatHappened, VerdictStatus, Verdict } from './observations.ts';
import { judgeFalseAlarm } from './verdicts/false-alarm-verdict.ts';
import { judgeManualChange, manualChangeInputOf } from './verdicts/manual-change-verdict.ts';
import { judgeDependencySlowdown } from './verdicts/dependency-slowdown-verdict.ts';

/**
 * Whether a sandbox run ended as its scenario expects. The verdict reads
 * only what happened, as the service recorded it and a person could check
 * it: its remediation records and review items (what was proposed, what was
 * committed and applied, how verification came out), its audit log, and the
 * Git history of the deploy branch; plus the fleet's metrics minute by
 * minute, to see the fleet recover. The plan's expectation enters at the
 * very end, as the answer the observations are compared with; nothing the
 * verdict reads was chosen by someone who knew that answer (the stand-in on
 * call approves every review item, sandbox-operator.ts).
 *
 * - A remedy passes when, by the plan's horizon, the expected playbook was
 *   applied and verified effective (in its record, in the audit log, its
 *   commit on the deploy branch), the fleet recovered, and nothing else was
 *   applied: a remediation of any other playbook on the deploy branch fails
 *   the run at once.
 * - A false alarm passes only with no proposal, no review item and no
 *   remediation commit, by the horizon; any of them fails it at once.
 *
 * Also the run's measurements, from the fault's onset: to detection, to the
 * remediation commit, to recovery, in simulated minutes and real
 * milliseconds. Pure.
 */

/** Minutes a fleet must stay healthy to count as recovered. */
const STABLE_MINUTES = 3;

/**
 * Simulated minutes past the horizon the verdict waits for a remediation
 * still under way (a deploy and a verification window take that long), so
 * that what it does is seen before the run is judged.
 */
export const IN_FLIGHT_GRACE_MINUTES = 90;

/** The simulated minute a real time falls in (the last minute that started at or before it). */
function minuteAt(obs: Observations, realMs: number): number | null {
  let found: number | null = null;
  for (const r of obs.minutes) if (r.realMs <= realMs) found = r.minute;
  return found;
}

/** The warning as the service recorded it, against the first error and alarm. */
function warningOf(obs: Observations, onset: MinuteRecord, records: ServiceRecords): Warning {
  const incidents = records.incidents ?? [];
  const earliest = (xs: readonly (number | undefined)[]) => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length > 0 ? Math.min(...v) : undefined;
  };
  const warnedAt = earliest(incidents.filter((i) => i.predicted).map((i) => i.warnedAt));
  const warnedMinute = warnedAt === undefined ? null : minuteAt(obs, warnedAt);
  const sloMinute = obs.minutes.find((r) => r.minute >= onset.minute && r.samples.some((s) => s.errorRate >= ERROR_SLO_PERCENT))?.minute;
  const anomalyAt = earliest(incidents.map((i) => i.firstErrorAt));
  const anomalyMinute = anomalyAt === undefined ? undefined : (minuteAt(obs, anomalyAt) ?? undefined);
  const firstErrorMinute = earliest([sloMinute, anomalyMinute]) ?? null;
  const alarmAt = earliest(incidents.map((i) => i.firstAlarmAt));
  const firstAlarmMinute = alarmAt === undefined ? null : minuteAt(obs, alarmAt);
  const lead = (m: number | null) => (m !== null && warnedMinute !== null ? m - warnedMinute : null);
  return { warnedMinute, firstErrorMinute, firstAlarmMinute, leadBeforeErrorMinutes: lead(firstErrorMinute), leadBeforeAlarmMinutes: lead(firstAlarmMinute) };
}

/** `12 min before the first error, no alarm`: a warning's lead, for people. */
export function leadText(w: Warning): string {
  const part = (lead: number | null, at: number | null, what: string) => (at === null ? `no ${what}` : `${lead} min before the first ${what}`);
  return `${part(w.leadBeforeErrorMinutes, w.firstErrorMinute, 'error')}, ${part(w.leadBeforeAlarmMinutes, w.firstAlarmMinute, 'alarm')}`;
}

/** Final remediation states (remediation-record.ts `FINAL_STATES`; this file imports nothing with I/O). */
const FINAL_STATES: ReadonlySet<string> = new Set(['effective', 'rolled-back', 'escalated', 'rejected', 'no-action', 'failed']);

const ms = (e: TimelineEvent) => Date.parse(e.at);
const short = (sha: string | undefined) => (sha ?? '').slice(0, 12);

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

function onsetOf(obs: Observations): MinuteRecord | undefined {
  const sc = obs.plan.scenario;
  if (sc.release) {
    const bad = new Set(sc.badVersions);
    return obs.minutes.find((r) => r.services.some((s) => bad.has(s.version)));
  }
  return obs.minutes.find((r) => r.minute >= sc.onsetMinute);
}

const sizeRank = (s: ServiceShape) => INSTANCE_SIZES.indexOf(s.instanceSize);

/** The first minute from `onset` on in which a service is larger than at the onset, or (bad versions) runs a good version again. */
function remedyMinuteOf(obs: Observations, onset: MinuteRecord): number | null {
  const bad = new Set(obs.plan.scenario.badVersions);
  const before = new Map(onset.services.map((s) => [s.name, s]));
  for (const r of obs.minutes) {
    if (r.minute < onset.minute) continue;
    for (const s of r.services) {
      const b = before.get(s.name);
      if (!b) continue;
      if (s.capacity > b.capacity || sizeRank(s) > sizeRank(b) || (s.volumeGiB ?? DEFAULT_VOLUME_GIB) > (b.volumeGiB ?? DEFAULT_VOLUME_GIB)) return r.minute;
      if (bad.has(b.version) && !bad.has(s.version)) return r.minute;
    }
  }
  return null;
}

/** A change on the deploy branch, with the playbook it came from and, when the service recorded it, its remediation. */
interface Landed {
  readonly playbook: string;
  readonly commit: string;
  readonly remediation?: RemediationObservation;
}

/**
 * What the service's records and the deploy branch say happened. A change
 * counts as applied once it is on the deploy branch (the deploy path applies
 * whatever is there): a remediation with a commit, an audit `commit` entry,
 * or a commit with a `Homeostat-Playbook` trailer that no record explains.
 */
function factsOf(records: ServiceRecords, git: readonly RemediationCommit[]) {
  const oldestFirst = [...records.remediations].reverse();
  const proposals = oldestFirst.filter((r) => r.playbook !== undefined);
  // An audit entry of a proposal whose remediation record is gone still counts.
  const proposedIncidents = new Set(proposals.map((r) => r.incidentId));
  const auditProposals = records.audit.filter((a) => a.type === 'proposal' && !(a.incidentId !== undefined && proposedIncidents.has(a.incidentId)));

  const landed: Landed[] = oldestFirst.filter((r) => r.commit !== undefined).map((r) => ({ playbook: r.playbook ?? '(no playbook)', commit: r.commit!, remediation: r }));
  // Commits a record explains: the change itself, the proposal's own commit (reachable through a merge), a revert of it.
  const explained = new Set(records.remediations.flatMap((r) => (r.commit ? [r.commit, r.proposalCommit, r.revertCommit] : [r.revertCommit]).filter((c): c is string => c !== undefined)));
  for (const a of records.audit) {
    if (a.type === 'commit' && a.commit && !explained.has(a.commit)) {
      landed.push({ playbook: a.playbook ?? '(no playbook)', commit: a.commit });
      explained.add(a.commit);
    }
  }
  for (const c of git) {
    if (!explained.has(c.sha) && !(c.revertOf !== undefined && explained.has(c.revertOf))) landed.push({ playbook: c.playbook, commit: c.sha });
  }
  const onBranch = new Map(git.map((c) => [c.sha, c]));
  const verifiedInAudit = (r: RemediationObservation) => records.audit.some((a) => a.type === 'verified' && a.incidentId === r.incidentId && a.playbook === r.playbook);
  const effective = landed.filter(
    (l) => l.remediation?.state === 'effective' && l.remediation.verification?.outcome === 'effective' && onBranch.get(l.commit)?.playbook === l.playbook && verifiedInAudit(l.remediation),
  );
  const inFlight = records.remediations.filter((r) => !FINAL_STATES.has(r.state));
  const what: WhatHappened = {
    proposed: [...proposals.map((r) => r.playbook!), ...auditProposals.map((a) => a.playbook ?? '(no playbook)')],
    reviewItems: records.reviews.map((r) => `${r.id} ${r.playbook} (${r.status}${r.decidedBy ? ` by ${r.decidedBy}` : ''})`),
    applied: landed.map((l) => `${l.playbook} ${short(l.commit)} (${l.remediation ? `${l.remediation.state}${l.remediation.appliedAt ? '' : ', not applied yet'}` : 'no remediation record'})`),
    verifiedEffective: effective.map((l) => l.playbook),
    inFlight: inFlight.map((r) => `${r.id} ${r.playbook ?? '(no proposal yet)'} (${r.state})`),
  };
  return { what, proposals: what.proposed.length, landed, effective, inFlight, onBranch };
}

/** Judges the run as observed so far. */
export function judge(obs: Observations): Verdict {
  const { plan } = obs;
  const onset = onsetOf(obs);
  const last = obs.minutes.at(-1);
  const onsetMs = onset?.realMs;
  const mark = (realMs: number): Mark | null =>
    onsetMs === undefined ? null : { realMs: Math.max(0, realMs - onsetMs), simMinutes: Math.max(0, Math.round(((realMs - onsetMs) / obs.minuteMs) * 10) / 10) };

  // Measurements: when things happened, from the timeline and the fleet's metrics.
  const after = (types: readonly TimelineEvent['type'][]) => obs.events.filter((e) => types.includes(e.type) && onsetMs !== undefined && ms(e) >= onsetMs);
  const detectedBy = after(['anomaly', 'incident'])[0];
  const firstCommit = after(['commit'])[0];
  const facts = obs.records && obs.git ? factsOf(obs.records, obs.git) : undefined;

  // Health, against the latency the fleet had before the fault.
  const baselineLatency = median(obs.minutes.filter((r) => onset && r.minute < onset.minute).flatMap((r) => r.samples.map((s) => s.latencyP95))) ?? 200;
  const healthy = (r: MinuteRecord) => r.samples.every((s) => s.errorRate < ERROR_SLO_PERCENT && s.cpu < 80 && s.latencyP95 <= 2 * baselineLatency && s.diskUsedPercent < 90);
  let firstErrorMinute: number | null = null;
  let recovery: Mark | null = null;
  if (onset) {
    const erring = (r: MinuteRecord) => r.samples.some((s) => s.errorRate >= ERROR_SLO_PERCENT);
    const from = obs.minutes.filter((r) => r.minute >= onset.minute);
    const i = from.findIndex((_, j) => j + ERROR_SLO_MINUTES <= from.length && from.slice(j, j + ERROR_SLO_MINUTES).every(erring));
    firstErrorMinute = i >= 0 ? from[i]!.minute : null;
    // Recovery counts from the first unhealthy minute (and, with a remedy, from its commit).
    const since = firstCommit ? ms(firstCommit) : (obs.minutes.find((r) => r.minute >= onset.minute && !healthy(r))?.realMs ?? Infinity);
    const rs = obs.minutes.filter((r) => r.realMs >= since);
    for (let i = 0; i + STABLE_MINUTES <= rs.length; i++) {
      if (rs.slice(i, i + STABLE_MINUTES).every(healthy)) {
        recovery = mark(rs[i]!.realMs);
        break;
      }
    }
  }
  const remedyMinute = onset ? remedyMinuteOf(obs, onset) : null;
  const measurements: Measurements = {
    onsetMinute: onset?.minute ?? null,
    detection: detectedBy ? mark(ms(detectedBy)) : null,
    commit: firstCommit ? mark(ms(firstCommit)) : null,
    recovery,
    actions: facts ? facts.landed.length : obs.events.filter((e) => e.type === 'commit').length,
    proposals: facts ? facts.proposals : obs.events.filter((e) => e.type === 'proposal' && e.playbook !== undefined).length,
    firstErrorMinute,
    remedyMinute,
    warning: onset && obs.records ? warningOf(obs, onset, obs.records) : null,
  };

  const name = plan.scenario.name;
  // The plan's horizon, later by as much as the fault began later than planned (a release takes its deploy's real time).
  const plannedFault = plan.scenario.release?.atMinute ?? plan.scenario.onsetMinute;
  const horizon = plan.horizonMinute + Math.max(0, (onset?.minute ?? plannedFault) - plannedFault);
  const over = last !== undefined && last.minute >= horizon;
  const graceOver = last !== undefined && last.minute >= horizon + IN_FLIGHT_GRACE_MINUTES;
  const verdict = (status: VerdictStatus, summary: string, reasons: readonly string[] = []): Verdict => ({
    status,
    summary: `${name} ${status}: ${summary}`,
    reasons,
    measurements,
    ...(facts ? { observed: facts.what } : {}),
    needsRecords: false,
  });
  const describe = () =>
    [
      measurements.detection ? `detected after ${measurements.detection.simMinutes} min (${(measurements.detection.realMs / 1000).toFixed(1)} s)` : 'not detected',
      measurements.commit ? `committed a fix after ${measurements.commit.simMinutes} min (${(measurements.commit.realMs / 1000).toFixed(1)} s)` : 'no remediation commit',
      measurements.recovery ? `recovered after ${measurements.recovery.simMinutes} min (${(measurements.recovery.realMs / 1000).toFixed(1)} s)` : 'not recovered',
      ...(measurements.warning?.warnedMinute != null ? [`warned at minute ${measurements.warning.warnedMinute} (${leadText(measurements.warning)})`] : []),
    ].join(', ');

  if (!onset) return verdict('pending', 'waiting for the fault');
  if (!facts) return { ...verdict('pending', "reading the service's records and the Git history"), needsRecords: true };
  const { what } = facts;
  const happened = (): string[] => [
    `proposed: ${what.proposed.join(', ') || 'nothing'}`,
    `review items: ${what.reviewItems.join(', ') || 'none'}`,
    `applied: ${what.applied.join(', ') || 'nothing'}`,
    `verified effective: ${what.verifiedEffective.join(', ') || 'nothing'}`,
    ...(what.inFlight.length > 0 ? [`still under way: ${what.inFlight.join(', ')}`] : []),
  ];
  const waitingFor = () => `waiting for ${what.inFlight.join(', ')} to finish (until minute ${horizon + IN_FLIGHT_GRACE_MINUTES})`;

  // Compared with the expectation, from here on.
  const expected = plan.expected;
  if (expected.kind === 'reconcile') {
    const input = manualChangeInputOf(obs, what, { over, graceOver, horizonMinute: horizon });
    if (!input) return { ...verdict('pending', 'reading the runs and the deploy branch'), needsRecords: true };
    const j = judgeManualChange(input);
    return verdict(j.status, j.summary, [...j.reasons, ...happened()]);
  }
  if (expected.kind === 'no-action') {
    const j = judgeFalseAlarm({ what, remediations: obs.records!.remediations, noticed: detectedBy !== undefined, over, graceOver, horizonMinute: horizon, lastMinute: last?.minute ?? 0, happened: happened(), waitingFor: waitingFor() });
    return verdict(j.status, j.summary, j.reasons);
  }

  if (expected.kind === 'dependency') {
    const lookBackMs = 10 * obs.minuteMs;
    const d = judgeDependencySlowdown({ expected, incidents: obs.records!.incidents ?? [], onsetMs: onset.realMs, lookBackMs, ...what, over, graceOver });
    return verdict(d.status, d.summary, d.reasons);
  }
  // remedy
  const wanted = new Set(expected.playbooks);
  const wrong = facts.landed.filter((l) => !wanted.has(l.playbook));
  if (wrong.length > 0) {
    return verdict('failed', `applied ${wrong.map((l) => `${l.playbook} ${short(l.commit)}`).join(', ')}, which is not ${expected.description}`, happened());
  }
  if (!over) return verdict('pending', `fault at minute ${onset.minute}; watching until minute ${horizon}`);
  if (facts.inFlight.length > 0 && !graceOver) return verdict('pending', waitingFor());
  const effective = facts.effective[0];
  if (!effective) {
    const lost = facts.landed.find((l) => l.remediation?.state === 'effective' && !facts.onBranch.has(l.commit));
    const why = lost ? `the verified commit ${short(lost.commit)} of ${lost.playbook} is not on the deploy branch` : `expected ${expected.description} by minute ${horizon}; ${describe()}`;
    return verdict('failed', why, happened());
  }
  if (expected.warnedAhead) {
    const w = measurements.warning;
    if (!w || w.warnedMinute === null) return verdict('failed', 'no warning ahead: the service recorded no predicted incident', happened());
    const late = [
      ...(w.firstErrorMinute !== null && w.firstErrorMinute <= w.warnedMinute ? [`the first error (minute ${w.firstErrorMinute})`] : []),
      ...(w.firstAlarmMinute !== null && w.firstAlarmMinute <= w.warnedMinute ? [`the first alarm (minute ${w.firstAlarmMinute})`] : []),
    ];
    if (late.length > 0) return verdict('failed', `warned too late: the predicted incident came at minute ${w.warnedMinute}, not before ${late.join(' and ')}`, happened());
  }
  if (expected.beforeErrors && remedyMinute !== null && firstErrorMinute !== null && remedyMinute > firstErrorMinute) {
    return verdict('failed', `${effective.playbook} came too late: errors stayed at ${ERROR_SLO_PERCENT} % or more from minute ${firstErrorMinute}, the fleet was resized at minute ${remedyMinute}`, happened());
  }
  const bad = new Set(plan.scenario.badVersions);
  if (last.services.some((s) => bad.has(s.version))) return verdict('failed', `${effective.playbook} verified effective, but the bad version still runs`, happened());
  if (!recovery) return verdict('failed', `${effective.playbook} verified effective, but the fleet has not recovered`, happened());
  return verdict('passed', `${effective.playbook} ${short(effective.commit)} applied and verified effective, nothing else applied; ${describe()}`, happened());
}
