import type { Judgement } from './judgement.ts';
/**
 * The verdict of a scenario that needs no action (`false-alarm`): it passes
 * only with no proposal, no review item and no remediation commit by the
 * horizon; any of them fails it at once. Judged from what the service
 * recorded (observations.ts `WhatHappened`, its remediation records).
 * Pure: scenario-verdict.ts wraps the result in the run's verdict.
 */

export interface FalseAlarmInput {
  /** What happened, as observations.ts `WhatHappened` lists it. */
  readonly what: { readonly proposed: readonly string[]; readonly reviewItems: readonly string[]; readonly applied: readonly string[]; readonly inFlight: readonly string[] };
  /** The stack's remediation records: how each ended. */
  readonly remediations: readonly { readonly id: string; readonly state: string; readonly message?: string }[];
  /** An anomaly or incident came after the onset. */
  readonly noticed: boolean;
  /** The watch is over (horizon reached) / the grace for work under way is over too. */
  readonly over: boolean;
  readonly graceOver: boolean;
  readonly horizonMinute: number;
  readonly lastMinute: number;
  /** The run's facts, one line each, for a failure's reasons. */
  readonly happened: readonly string[];
  /** What a pending run waits for, while remediations are under way. */
  readonly waitingFor: string;
}

export type FalseAlarmJudgement = Judgement;

/** Judges a no-action run as observed so far. */
export function judgeFalseAlarm(input: FalseAlarmInput): FalseAlarmJudgement {
  const { what } = input;
  const acted = [...what.proposed.map((p) => `proposed ${p}`), ...what.reviewItems.map((r) => `review item ${r}`), ...what.applied.map((a) => `applied ${a}`)];
  if (acted.length > 0) return { status: 'failed', summary: `acted on a false alarm: ${acted.join('; ')}`, reasons: input.happened };
  if (!input.over) return { status: 'pending', summary: `waiting until minute ${input.horizonMinute}`, reasons: [] };
  if (what.inFlight.length > 0) {
    return input.graceOver
      ? { status: 'failed', summary: `a remediation was still under way at minute ${input.lastMinute}`, reasons: input.happened }
      : { status: 'pending', summary: input.waitingFor, reasons: [] };
  }
  const closed = input.remediations.map((r) => `${r.id}: ${r.state}${r.message ? ` (${r.message})` : ''}`);
  return {
    status: 'passed',
    summary: `no proposal, no review item, no commit on the blip (${input.noticed ? 'it was noticed' : 'it was not even noticed'}; ${closed.length} remediation(s) ended without a proposal)`,
    reasons: closed,
  };
}
