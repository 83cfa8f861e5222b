import type { TimelineEvent } from '../timeline/timeline-event.ts';
import type { ServiceShape } from './fleet-model.ts';
import { INSTANCE_SIZES } from '../../stacks/sandbox/instance-sizes.ts';
import { ERROR_SLO_MINUTES, ERROR_SLO_PERCENT, type SandboxPlan } from './scenario-plan.ts';
import type { ServiceSample } from './scenarios.ts';

/**
 * Whether a sandbox run ended as its scenario expects, read from what a
 * person could see: the timeline, the fleet's metrics minute by minute, and
 * the Git history of the deploy branch. Also the run's measurements, from
 * the fault's onset: to detection, to the remediation commit, to recovery,
 * in simulated minutes and real milliseconds. Pure.
 */

/** One simulated minute as the sandbox played it. */
export interface MinuteRecord {
  readonly minute: number;
  /** Real time the minute started, ms since the epoch (also its CloudWatch timestamp). */
  readonly realMs: number;
  readonly samples: readonly ServiceSample[];
  /** The fleet's services as they were during the minute. */
  readonly services: readonly ServiceShape[];
}

/** A remediation commit on the deploy branch, from its trailers. */
export interface RemediationCommit {
  readonly sha: string;
  readonly subject: string;
  readonly author: string;
  /** `Homeostat-Playbook`. */
  readonly playbook: string;
  /** `Homeostat-Revert-Of`, when the commit undoes an earlier remediation. */
  readonly revertOf?: string;
}

export interface Observations {
  readonly plan: SandboxPlan;
  /** Real milliseconds per simulated minute. */
  readonly minuteMs: number;
  readonly events: readonly TimelineEvent[];
  /** In order, one per minute played. */
  readonly minutes: readonly MinuteRecord[];
  /** The deploy branch's remediation commits; undefined when not read (yet). */
  readonly git?: readonly RemediationCommit[];
}

/** A moment, counted from the fault's onset. */
export interface Mark {
  readonly simMinutes: number;
  readonly realMs: number;
}

export interface Measurements {
  /** Simulated minute the fault began (for a bad release: the first minute the bad version ran). */
  readonly onsetMinute: number | null;
  /** First anomaly or incident after the onset. */
  readonly detection: Mark | null;
  /** First remediation commit after the onset. */
  readonly commit: Mark | null;
  /** First minute after that commit from which the fleet stayed healthy (for no-action: after the fault). */
  readonly recovery: Mark | null;
  /** Remediation commits (automatic or approved). */
  readonly actions: number;
  readonly proposals: number;
  /** First minute from the onset of {@link ERROR_SLO_MINUTES} in a row with errors at or above the SLO. */
  readonly firstErrorMinute: number | null;
  /** First minute the fleet ran resized or without the bad version. */
  readonly remedyMinute: number | null;
}

export type VerdictStatus = 'pending' | 'passed' | 'failed';

export interface Verdict {
  readonly status: VerdictStatus;
  /** One line for a person. */
  readonly summary: string;
  readonly reasons: readonly string[];
  readonly measurements: Measurements;
  /** Judging needs the Git history, which was not given. */
  readonly needsGit: boolean;
}

/** Minutes a fleet must stay healthy to count as recovered. */
const STABLE_MINUTES = 3;

const ms = (e: TimelineEvent) => Date.parse(e.at);

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
      if (s.capacity > b.capacity || sizeRank(s) > sizeRank(b)) return r.minute;
      if (bad.has(b.version) && !bad.has(s.version)) return r.minute;
    }
  }
  return null;
}

/** Judges the run as observed so far. */
export function judge(obs: Observations): Verdict {
  const { plan } = obs;
  const expected = plan.expected;
  const onset = onsetOf(obs);
  const last = obs.minutes.at(-1);
  const onsetMs = onset?.realMs;
  const mark = (realMs: number): Mark | null =>
    onsetMs === undefined ? null : { realMs: Math.max(0, realMs - onsetMs), simMinutes: Math.max(0, Math.round(((realMs - onsetMs) / obs.minuteMs) * 10) / 10) };

  const after = (types: readonly TimelineEvent['type'][]) => obs.events.filter((e) => types.includes(e.type) && onsetMs !== undefined && ms(e) >= onsetMs);
  const detectedBy = after(['anomaly', 'incident'])[0];
  const commits = obs.events.filter((e) => e.type === 'commit');
  const firstCommit = after(['commit'])[0];
  const proposals = obs.events.filter((e) => e.type === 'proposal' && e.playbook !== undefined).length;
  const actions = commits.length;

  // Health, against the latency the fleet had before the fault.
  const baselineLatency = median(obs.minutes.filter((r) => onset && r.minute < onset.minute).flatMap((r) => r.samples.map((s) => s.latencyP95))) ?? 200;
  const healthy = (r: MinuteRecord) => r.samples.every((s) => s.errorRate < ERROR_SLO_PERCENT && s.cpu < 80 && s.latencyP95 <= 2 * baselineLatency);
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
    actions,
    proposals,
    firstErrorMinute,
    remedyMinute,
  };

  const name = plan.scenario.name;
  // The plan's horizon, later by as much as the fault began later than planned (a release takes its deploy's real time).
  const plannedFault = plan.scenario.release?.atMinute ?? plan.scenario.onsetMinute;
  const horizon = plan.horizonMinute + Math.max(0, (onset?.minute ?? plannedFault) - plannedFault);
  const over = last !== undefined && last.minute >= horizon;
  const verdict = (status: VerdictStatus, summary: string, reasons: string[] = []): Verdict => ({ status, summary: `${name} ${status}: ${summary}`, reasons, measurements, needsGit: false });
  const needGit = (): Verdict => ({ ...verdict('pending', 'reading the Git history'), needsGit: true });
  const describe = () =>
    [
      measurements.detection ? `detected after ${measurements.detection.simMinutes} min (${(measurements.detection.realMs / 1000).toFixed(1)} s)` : 'not detected',
      measurements.commit ? `committed a fix after ${measurements.commit.simMinutes} min (${(measurements.commit.realMs / 1000).toFixed(1)} s)` : 'no remediation commit',
      measurements.recovery ? `recovered after ${measurements.recovery.simMinutes} min (${(measurements.recovery.realMs / 1000).toFixed(1)} s)` : 'not recovered',
    ].join(', ');

  if (expected.kind === 'no-action') {
    const acted = commits[0];
    if (acted) return verdict('failed', `acted on a false alarm: ${acted.message}`, [`remediation commit ${acted.commit ?? ''} by ${acted.playbook ?? 'a playbook'}`]);
    if (obs.git && obs.git.length > 0) return verdict('failed', `acted on a false alarm: ${obs.git.length} remediation commit(s) in Git`, obs.git.map((c) => `${c.sha.slice(0, 12)} ${c.playbook}: ${c.subject}`));
    if (!over) return verdict('pending', `waiting until minute ${horizon}`);
    if (!obs.git) return needGit();
    return verdict('passed', `no action on the blip (${detectedBy ? 'it was noticed' : 'it was not even noticed'}; ${proposals} proposal(s), 0 commits)`);
  }

  // remedy
  const wanted = new Set(expected.playbooks);
  const effective = obs.events.find((e) => e.type === 'verify' && e.outcome === 'effective' && e.playbook !== undefined && wanted.has(e.playbook));
  if (effective) {
    if (!obs.git) return needGit();
    const inGit = obs.git.find((c) => c.sha === effective.commit && c.playbook === effective.playbook);
    if (!inGit) return verdict('failed', `the verified commit ${effective.commit ?? '(none)'} of ${effective.playbook} is not on the deploy branch`, obs.git.map((c) => `${c.sha.slice(0, 12)} ${c.playbook}`));
    if (expected.beforeErrors && remedyMinute !== null && firstErrorMinute !== null && remedyMinute > firstErrorMinute) {
      return verdict('failed', `${effective.playbook} came too late: errors stayed at ${ERROR_SLO_PERCENT} % or more from minute ${firstErrorMinute}, the fleet was resized at minute ${remedyMinute}`);
    }
    const bad = new Set(plan.scenario.badVersions);
    if (last && last.services.some((s) => bad.has(s.version))) return verdict('pending', 'the bad version still runs');
    if (!recovery) return verdict(over ? 'failed' : 'pending', `${effective.playbook} verified effective, but the fleet has not recovered yet`);
    return verdict('passed', `${effective.playbook} ${inGit.sha.slice(0, 12)} verified effective; ${describe()}`);
  }
  if (!over) return verdict('pending', onset ? `fault at minute ${onset.minute}; waiting for ${expected.description} until minute ${horizon}` : 'waiting for the fault');
  const seen = obs.events.filter((e) => ['proposal', 'decision', 'verify', 'rollback'].includes(e.type)).map((e) => `${e.type}${e.outcome ? ` (${e.outcome})` : ''}: ${e.message}`);
  return verdict('failed', `expected ${expected.description} by minute ${horizon}; ${describe()}`, seen.length > 0 ? seen : ['no proposal, decision or verification on the timeline']);
}
