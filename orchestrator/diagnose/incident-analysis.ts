import { z } from 'zod';
import type { Incident } from '../correlate/incident.ts';
import { DeploymentSchema } from './deployment.ts';

/**
 * An incident's analysis: its diagnosis' inputs and the stacks' context it
 * was made in, stored with the incident by the correlate worker, so later
 * stages (propose) read it instead of building the context and diagnosing
 * again. Each input carries a version, so a reader can tell whether the
 * stored analysis is still what a new one would give. Pure.
 */

/** The versions of what a diagnosis was made from. Equal versions, equal diagnosis. */
export const AnalysisInputsSchema = z.object({
  /** The incident's own `updatedAt` when it was diagnosed. */
  incidentUpdatedAt: z.number(),
  /** The newest point of the incident's own series: an open incident is diagnosed as lasting until then. */
  dataThrough: z.number(),
  /**
   * The newest point, and the number of points, of every series read as the
   * stacks' recent values. A late point behind the newest one is noticed by
   * the count until a series holds its cap (240), not after.
   */
  valuesThrough: z.number(),
  valueCount: z.number().int().nonnegative(),
  /** Digest of the deploy records the context came from (stack statuses and runs). */
  records: z.string(),
  /** Digest of the other incidents the dependency rule looked at. */
  others: z.string(),
  /** Digest of the changes made outside Git that the manual-change rule looked at; absent in analyses from before change events. */
  changes: z.string().optional(),
});
export type AnalysisInputs = z.infer<typeof AnalysisInputsSchema>;

/** The stacks' context as far as this incident's later stages need it. */
export const AnalysisContextSchema = z.object({
  /** The health series of the incident's stacks, in the order the telemetry lists them. */
  series: z.array(z.object({ stackKey: z.string(), signalId: z.string(), seriesId: z.string() })),
  /** The recent deployments of the incident's stacks. */
  deployments: z.array(DeploymentSchema),
  /** For each of the incident's stacks, the stacks that depend on it (the stack graph). */
  dependents: z.record(z.string(), z.array(z.string())),
});
export type AnalysisContext = z.infer<typeof AnalysisContextSchema>;

export const IncidentAnalysisSchema = z.object({ inputs: AnalysisInputsSchema, context: AnalysisContextSchema });
export type IncidentAnalysis = z.infer<typeof IncidentAnalysisSchema>;

/** Why a stored analysis cannot be used as it is. */
export type StaleReason = 'absent' | 'incident-changed' | 'new-data' | 'records-changed' | 'other-incidents-changed' | 'changes-recorded';
export type Freshness = { fresh: true } | { fresh: false; reason: StaleReason };

/**
 * Whether the stored analysis was made from the same inputs as are current
 * now: then diagnosing again would give the same causes. Any difference,
 * or no stored analysis at all, makes it stale.
 */
export function freshnessOf(stored: AnalysisInputs | undefined, current: AnalysisInputs): Freshness {
  if (!stored) return { fresh: false, reason: 'absent' };
  if (stored.incidentUpdatedAt !== current.incidentUpdatedAt) return { fresh: false, reason: 'incident-changed' };
  if (stored.dataThrough !== current.dataThrough || stored.valuesThrough !== current.valuesThrough || stored.valueCount !== current.valueCount) {
    return { fresh: false, reason: 'new-data' };
  }
  if (stored.records !== current.records) return { fresh: false, reason: 'records-changed' };
  if (stored.others !== current.others) return { fresh: false, reason: 'other-incidents-changed' };
  if (stored.changes !== current.changes) return { fresh: false, reason: 'changes-recorded' };
  return { fresh: true };
}

/**
 * The incident as diagnosed: an open one lasts until the newest point of its
 * series, even when its detectors got used to the new level and stopped
 * calling the points anomalous. A resolved one ends where it ended.
 */
export function ongoingIncident(incident: Incident, dataThrough: number): Incident {
  if (incident.status !== 'open') return incident;
  return { ...incident, lastAbnormalAt: Math.max(incident.lastAbnormalAt, dataThrough) };
}

/** The newest timestamp and the number of points over some series. */
export function extentOf(series: readonly { points: readonly { timestamp: number }[] }[]): { through: number; count: number } {
  let through = 0;
  let count = 0;
  for (const s of series) {
    count += s.points.length;
    for (const p of s.points) through = Math.max(through, p.timestamp);
  }
  return { through, count };
}

/**
 * A short digest of a text (cyrb53, 53 bits): a version of records too big
 * to store beside the incident. Not for security: only to notice a change.
 */
export function digestOf(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36) + `:${text.length}`;
}
