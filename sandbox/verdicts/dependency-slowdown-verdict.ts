import type { Judgement } from './judgement.ts';
/**
 * The verdict of `dependency-slowdown` (payments slows; checkout, which
 * calls it, slows with it): right when the service named payments and left
 * checkout alone. Judged from the service's records only: the top cause of
 * each incident since the fault as the service diagnosed it (its incident
 * records), the remediations and review items it recorded, and the
 * remediation commits on the deploy branch; the expectation is compared with
 * them at the end. Imports nothing with I/O, and nothing from
 * scenario-verdict.ts (which dispatches here), so there is no cycle. Pure.
 */

/** An incident's top cause as its record holds it: the fields this verdict reads. */
export interface CauseObservation {
  readonly kind: string;
  /** For a dependency seen in traces: the slow service. */
  readonly service?: string;
  readonly stackKey?: string;
  readonly confidence: number;
}

/** An incident of the sandbox stack with what its record says first. */
export interface DiagnosedIncident {
  readonly id: string;
  readonly predicted: boolean;
  /** Epoch ms of its first abnormal point. */
  readonly onsetAt?: number;
  /** Its causes' first (they are ranked), absent when none was recorded. */
  readonly topCause?: CauseObservation;
}

export interface DependencySlowdownInput {
  readonly expected: { readonly service: string; readonly caller: string };
  /** The incidents the service recorded about the sandbox stack (the caller's). */
  readonly incidents: readonly DiagnosedIncident[];
  /** Real time the fault began (its first minute's start). */
  readonly onsetMs: number;
  /** Earliest an incident of this fault may start: a detector's lag is not the fault's onset, but one long before is not about it. */
  readonly lookBackMs: number;
  /** What was proposed, reviewed and applied on the caller's stack (observations.ts `WhatHappened`). */
  readonly proposed: readonly string[];
  readonly reviewItems: readonly string[];
  readonly applied: readonly string[];
  /** Remediations not in a final state. */
  readonly inFlight: readonly string[];
  /** The run was watched up to its horizon; and past the grace for remediations still under way. */
  readonly over: boolean;
  readonly graceOver: boolean;
}

export type DependencySlowdownVerdict = Judgement;

const causeText = (c: CauseObservation | undefined) => (c ? `${c.kind}${c.service ? ` ${c.service}` : ''}${c.stackKey ? ` on ${c.stackKey}` : ''} (${Math.round(c.confidence * 100)}%)` : 'no cause recorded');

export function judgeDependencySlowdown(input: DependencySlowdownInput): DependencySlowdownVerdict {
  const { expected } = input;
  const about = input.incidents.filter((i) => !i.predicted && i.onsetAt !== undefined && i.onsetAt >= input.onsetMs - input.lookBackMs).sort((a, b) => a.onsetAt! - b.onsetAt!);
  const causes = about.map((i) => `incident ${i.id}: top cause ${causeText(i.topCause)}`);
  const acted = [...input.proposed.map((p) => `proposed ${p}`), ...input.reviewItems.map((r) => `review item ${r}`), ...input.applied.map((a) => `applied ${a}`)];
  // Anything proposed on the caller's stack is the wrong answer at once: its capacity or version is not what slowed.
  if (acted.length > 0) return { status: 'failed', summary: `acted on ${expected.caller}, whose slowness is ${expected.service}'s: ${acted.join('; ')}`, reasons: [...causes, ...acted] };
  if (!input.over) return { status: 'pending', summary: `watching ${expected.caller} while ${expected.service} is slow`, reasons: causes };
  if (input.inFlight.length > 0 && !input.graceOver) return { status: 'pending', summary: `waiting for ${input.inFlight.join(', ')} to finish`, reasons: causes };
  if (input.inFlight.length > 0) return { status: 'failed', summary: `a remediation was still under way: ${input.inFlight.join(', ')}`, reasons: causes };
  const first = about[0];
  if (!first) return { status: 'failed', summary: `no incident about ${expected.caller}'s slowness was recorded`, reasons: causes };
  const top = first.topCause;
  if (top?.kind !== 'dependency' || top.service !== expected.service) {
    return { status: 'failed', summary: `the incident's top cause is ${causeText(top)}, not ${expected.service} (kind dependency)`, reasons: causes };
  }
  return { status: 'passed', summary: `incident ${first.id}'s top cause is ${causeText(top)}; nothing proposed, reviewed or committed on ${expected.caller}`, reasons: causes };
}
