import { z } from 'zod';
import { SignalRoleSchema } from '../../stacks/contract.ts';
import type { Anomaly } from '../telemetry/anomaly.ts';

/**
 * One scored point of one health signal: the telemetry stage's
 * {@link Anomaly} (`orchestrator/telemetry/anomaly.ts`), plus the signal's
 * role when the sender knows it. This schema parses it where it crosses a
 * boundary (a job payload read back from Redis, for example).
 *
 * A point is anomalous when `score >= threshold`; points below the threshold
 * may be passed too and are treated as normal (they neither open nor extend
 * an incident).
 */
export const AnomalySignalSchema = z.object({
  /** Stable id of the metric series. */
  seriesId: z.string().min(1),
  stackKey: z.string().min(1),
  /** The health signal's id in the stack's contract, for example `cpu`. */
  signalId: z.string().min(1),
  /** What the signal measures; looked up in the contract by {@link withRoles} when absent. */
  role: SignalRoleSchema.optional(),
  /** Time of the point (start of its metric period), epoch milliseconds. */
  timestamp: z.number().int().nonnegative(),
  value: z.number(),
  /** Detector score in [0, 1]. */
  score: z.number().min(0).max(1),
  /** Score at or above which the point counts as anomalous. */
  threshold: z.number().min(0).max(1),
});
export type AnomalySignal = z.infer<typeof AnomalySignalSchema>;

// The telemetry stage's anomalies are accepted as they are.
const _telemetryAnomalyFits: (a: Anomaly) => AnomalySignal = (a) => a;

/** Whether the point is past its threshold. */
export function isAnomalous(a: AnomalySignal): boolean {
  return a.score >= a.threshold;
}

/** Anything that knows each stack's signals, for example a {@link import('./topology.ts').Topology}. */
export interface SignalCatalogue {
  stacks: Readonly<Record<string, { readonly contract: { readonly healthSignals: readonly { id: string; role: z.infer<typeof SignalRoleSchema> }[] } }>>;
}

/** The anomalies with their roles filled in from the stacks' contracts (left out when the signal is not in one). */
export function withRoles(anomalies: readonly (Anomaly | AnomalySignal)[], catalogue: SignalCatalogue): AnomalySignal[] {
  return anomalies.map((a) => {
    const known = 'role' in a && a.role !== undefined ? a.role : catalogue.stacks[a.stackKey]?.contract.healthSignals.find((s) => s.id === a.signalId)?.role;
    return known === undefined ? { ...a } : { ...a, role: known };
  });
}
