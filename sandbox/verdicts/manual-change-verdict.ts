import type { Judgement } from './judgement.ts';
/**
 * The verdict of the `manual-change` scenario: a person shrank the fleet in
 * the console, outside Git. The right answer is to apply Git's commit again
 * (a drift reconcile), not to change Git. It is judged only from what the
 * service recorded and what Git and the fleet show:
 *
 * - a drift check of the stack after the console change, its record
 *   explained by a change event that names who made it;
 * - a deploy run triggered by that drift, applied, of the commit at the head
 *   of the deploy branch (Git's commit, no new one);
 * - the fleet's capacity back at the value the stack file on the deploy
 *   branch holds;
 * - no remediation commit on the deploy branch (a scale-out would write the
 *   console's mistake, or a guess about load, into Git), none still under
 *   way by the end;
 * - every incident of the stack that has a diagnosis ranks `manual-change`,
 *   naming a principal, first.
 *
 * Pure: it takes data and returns the status and why; scenario-verdict.ts
 * wraps it in the run's {@link Verdict} with the common measurements.
 */

/** A run of the stack as the service records it (`GET /api/runs`): the fields this verdict reads. */
export interface RunObservation {
  readonly id: string;
  readonly mode: 'deploy' | 'drift';
  readonly status: string;
  readonly commit: string;
  readonly apply: boolean;
  /** The trigger's kind (`push`, `drift`, …) and, for a drift reconcile, the drift run it answers. */
  readonly trigger: { readonly kind: string; readonly driftId?: string };
  /** Drift: the change events that explain it, likeliest first. */
  readonly explainedBy?: readonly { readonly principal: string; readonly eventName: string; readonly at: number }[];
  /** When it was queued and finished, epoch ms. */
  readonly enqueuedAt: number;
  readonly finishedAt?: number;
}

/** An incident's top-ranked cause, as the service diagnosed it. */
export interface TopCause {
  readonly incidentId: string;
  readonly kind: string;
  /** For manual-change: who made the change. */
  readonly principal?: string;
}

/** What the deploy branch holds: its head commit and the sandbox stack file's config values. */
export interface DeployBranch {
  readonly commit: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface ManualChangeInput {
  /** Real time (epoch ms) the minute of the console change began; undefined before it. */
  readonly tamperMs: number | undefined;
  /** The capacity the console change set. */
  readonly tamperCapacity: number;
  /** The fleet's service capacities during the last minute played. */
  readonly lastCapacities: readonly number[];
  /** The first simulated minute from the change on in which every service had Git's capacity again; null if none. */
  readonly restoredMinute: number | null;
  readonly runs: readonly RunObservation[];
  readonly topCauses: readonly TopCause[];
  readonly deployBranch: DeployBranch;
  /** Remediation changes on the deploy branch (`<playbook> <commit> (<state>)`). */
  readonly applied: readonly string[];
  /** Remediations not in a final state. */
  readonly inFlight: readonly string[];
  /** The watch is over (horizon reached) / the grace for work under way is over too. */
  readonly over: boolean;
  readonly graceOver: boolean;
  readonly horizonMinute: number;
}

export type ManualChangeJudgement = Judgement;

const CAPACITY_KEY = 'sandbox:capacity';
const short = (sha: string) => sha.slice(0, 12);

/** Git's capacity, from the stack file on the deploy branch; an error names what is missing. */
function gitCapacity(branch: DeployBranch): number {
  const v = Number(branch.config[CAPACITY_KEY]);
  if (!Number.isInteger(v)) throw new Error(`the stack file on the deploy branch (${short(branch.commit)}) has no whole-number ${CAPACITY_KEY}`);
  return v;
}

/** The drift check after the change that a change event explains, and the reconcile deploy that answered it. */
function reconcileOf(input: ManualChangeInput) {
  const after = input.runs.filter((r) => input.tamperMs !== undefined && r.enqueuedAt >= input.tamperMs);
  const drifts = after.filter((r) => r.mode === 'drift' && r.status === 'drifted');
  const explained = drifts.find((r) => (r.explainedBy ?? []).length > 0);
  const reconciles = after.filter((r) => r.mode === 'deploy' && r.apply && r.trigger.kind === 'drift');
  const reconcile = explained ? reconciles.find((r) => r.trigger.driftId === explained.id && r.status === 'applied') : undefined;
  return { drifts, explained, reconciles, reconcile };
}

/** Incidents whose top cause is not a manual change naming who made it. */
function wrongCauses(causes: readonly TopCause[]): string[] {
  return causes.filter((c) => c.kind !== 'manual-change' || !c.principal).map((c) => `incident ${c.incidentId}: top cause ${c.kind}${c.principal ? '' : ' (no principal named)'}`);
}

/** Judges the manual-change run as observed so far. */
export function judgeManualChange(input: ManualChangeInput): ManualChangeJudgement {
  const git = gitCapacity(input.deployBranch);
  const { drifts, explained, reconciles, reconcile } = reconcileOf(input);
  const cause = explained?.explainedBy?.[0];
  const reasons = [
    `Git: ${CAPACITY_KEY} ${git} at ${short(input.deployBranch.commit)}; console change to ${input.tamperCapacity}`,
    `drift checks after the change: ${drifts.map((r) => `${r.id} (${r.explainedBy?.length ? `explained by ${r.explainedBy[0]!.principal} ${r.explainedBy[0]!.eventName}` : 'unexplained'})`).join(', ') || 'none'}`,
    `reconcile deploys: ${reconciles.map((r) => `${r.id} ${short(r.commit)} ${r.status}`).join(', ') || 'none'}`,
    `fleet capacity now: ${input.lastCapacities.join(', ') || '(no services)'}${input.restoredMinute !== null ? `, back to ${git} at minute ${input.restoredMinute}` : ''}`,
    `incidents' top causes: ${input.topCauses.map((c) => `${c.incidentId} ${c.kind}${c.principal ? ` by ${c.principal}` : ''}`).join(', ') || 'no incident'}`,
    `remediation commits: ${input.applied.join(', ') || 'none'}`,
  ];
  const result = (status: ManualChangeJudgement['status'], summary: string): ManualChangeJudgement => ({ status, summary, reasons });

  if (input.tamperMs === undefined) return result('pending', 'waiting for the console change');
  // A commit to Git is wrong at once, whatever else happens: the fix was never Git's to change.
  if (input.applied.length > 0) return result('failed', `committed ${input.applied.join(', ')} to Git; a change made outside Git is undone by applying Git's commit again`);
  const wrong = wrongCauses(input.topCauses);
  if (wrong.length > 0) return result('failed', `the manual change is not the top cause: ${wrong.join('; ')}`);
  if (!input.over) return result('pending', `console change made; watching until minute ${input.horizonMinute}`);
  if (input.inFlight.length > 0) {
    return input.graceOver ? result('failed', `a remediation was still under way at the end: ${input.inFlight.join(', ')}`) : result('pending', `waiting for ${input.inFlight.join(', ')} to finish`);
  }
  if (!explained || !cause) return result('failed', drifts.length > 0 ? 'drift was found, but no change event explains it' : 'no drift check found the console change');
  if (!reconcile) {
    // The reconcile deploy takes the engine's real seconds, which do not scale with the clock: it is waited for, like a remediation.
    const finished = reconciles.filter((r) => r.trigger.driftId === explained.id && r.status !== 'running');
    if (finished.length === 0 && !input.graceOver) return result('pending', `waiting for the reconcile of drift ${explained.id}`);
    return result('failed', `the drift ${explained.id} was not reconciled (no applied deploy triggered by it${finished.length ? `: ${finished.map((r) => `${r.id} ${r.status}`).join(', ')}` : ''})`);
  }
  if (reconcile.commit !== input.deployBranch.commit) {
    return result('failed', `the reconcile applied ${short(reconcile.commit)}, not Git's commit ${short(input.deployBranch.commit)} at the head of the deploy branch`);
  }
  if (input.lastCapacities.length === 0 || input.lastCapacities.some((c) => c !== git)) {
    return result('failed', `the fleet's capacity is ${input.lastCapacities.join(', ') || 'unknown'}, not Git's ${git}`);
  }
  const incidents = input.topCauses.length > 0 ? `; ${input.topCauses.length} incident(s), top cause manual-change by ${input.topCauses[0]!.principal}` : '; no incident opened';
  return result(
    'passed',
    `drift ${explained.id} explained by ${cause.principal} ${cause.eventName}, reconciled by re-applying Git's ${short(reconcile.commit)} (capacity back to ${git} at minute ${input.restoredMinute ?? '?'}), no remediation commit${incidents}`,
  );
}

/** What {@link manualChangeInputOf} reads of a run's observations (observations.ts `Observations` fits it). */
export interface ManualChangeObservations {
  readonly plan: { readonly scenario: { readonly onsetMinute: number; readonly tamper: { readonly atMinute: number; readonly patch: { readonly capacity: number } } | null } };
  readonly minutes: readonly { readonly minute: number; readonly realMs: number; readonly services: readonly { readonly capacity: number }[] }[];
  readonly records?: { readonly runs?: readonly RunObservation[]; readonly incidents?: readonly { readonly id: string; readonly topCause?: Omit<TopCause, 'incidentId'> }[] };
  readonly deployBranch?: DeployBranch;
}

/**
 * The verdict's input from the run's observations; undefined while the
 * records, the runs or the deploy branch have not been read.
 */
export function manualChangeInputOf(
  obs: ManualChangeObservations,
  facts: { applied: readonly string[]; inFlight: readonly string[] },
  watch: { over: boolean; graceOver: boolean; horizonMinute: number },
): ManualChangeInput | undefined {
  const tamper = obs.plan.scenario.tamper;
  if (!tamper) throw new Error('manual-change verdict: the scenario makes no console change');
  if (!obs.records?.runs || !obs.deployBranch) return undefined;
  const git = gitCapacity(obs.deployBranch);
  const from = obs.minutes.filter((r) => r.minute >= tamper.atMinute);
  // The change shows from the minute after the one it was made in; until then it is not judged.
  const seen = from.find((r) => r.services.some((s) => s.capacity === tamper.patch.capacity));
  const restored = seen ? obs.minutes.find((r) => r.minute > seen.minute && r.services.length > 0 && r.services.every((s) => s.capacity === git)) : undefined;
  return {
    tamperMs: seen ? from[0]!.realMs : undefined,
    tamperCapacity: tamper.patch.capacity,
    lastCapacities: obs.minutes.at(-1)?.services.map((s) => s.capacity) ?? [],
    restoredMinute: restored?.minute ?? null,
    runs: obs.records.runs,
    topCauses: (obs.records.incidents ?? []).flatMap((i) => (i.topCause ? [{ incidentId: i.id, ...i.topCause }] : [])),
    deployBranch: obs.deployBranch,
    applied: facts.applied,
    inFlight: facts.inFlight,
    ...watch,
  };
}
