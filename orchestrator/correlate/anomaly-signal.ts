import { z } from 'zod';
import { SignalRoleSchema } from '../../stacks/contract.ts';

/**
 * One scored point of one health signal, as the detect stage hands it on.
 * Defined here because `orchestrator/telemetry/anomaly.ts` did not exist yet
 * when correlation was written; when it does, this schema is the shape it
 * should match (or be replaced by).
 *
 * A point is anomalous when `score >= threshold`; points below the threshold
 * may be passed too and are treated as normal (they neither open nor extend
 * an incident).
 */
export const AnomalySignalSchema = z.object({
  /** Stable id of the metric series, for example `infra/./sandbox:cpu`. */
  seriesId: z.string().min(1),
  stackKey: z.string().min(1),
  /** The health signal's id in the stack's contract, for example `cpu`. */
  signalId: z.string().min(1),
  role: SignalRoleSchema,
  /** Time of the point, epoch milliseconds. */
  timestamp: z.number().int().nonnegative(),
  value: z.number(),
  /** Detector score in [0, 1]. */
  score: z.number().min(0).max(1),
  /** Score at or above which the point counts as anomalous. */
  threshold: z.number().min(0).max(1),
});
export type AnomalySignal = z.infer<typeof AnomalySignalSchema>;

/** Whether the point is past its threshold. */
export function isAnomalous(a: AnomalySignal): boolean {
  return a.score >= a.threshold;
}
