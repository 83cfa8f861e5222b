import { z } from 'zod';
import { IncidentSchema } from './incident.ts';

/** What the tracker remembers of a resolved incident: enough to drop redelivered inputs it already covered. */
export const ResolvedRefSchema = z.object({
  id: z.string(),
  stacks: z.array(z.string()),
  onsetAt: z.number(),
  resolvedAt: z.number(),
});
export type ResolvedRef = z.infer<typeof ResolvedRefSchema>;

export const TRACKER_STATE_VERSION = 1;

/**
 * The incident tracker's whole state: plain JSON, bounded by the tracker's
 * options (open incidents, their signals and evidence, resolved references).
 * Parse it with {@link parseTrackerState} when reading it back from storage.
 */
export const TrackerStateSchema = z.object({
  version: z.literal(TRACKER_STATE_VERSION),
  /** Latest signal time seen (epoch ms), or null before the first step. */
  clock: z.number().nullable(),
  open: z.array(IncidentSchema),
  /** Most recently resolved incidents, oldest first. */
  recent: z.array(ResolvedRefSchema),
});
export type TrackerState = z.infer<typeof TrackerStateSchema>;

export function initialTrackerState(): TrackerState {
  return { version: TRACKER_STATE_VERSION, clock: null, open: [], recent: [] };
}

/** Reads persisted tracker state; errors name the field (for example `open[0].onsetAt`). */
export function parseTrackerState(raw: unknown): TrackerState {
  const r = TrackerStateSchema.safeParse(raw);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const path = first ? first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '';
  throw new Error(`invalid tracker state at ${path || '(root)'}: ${first?.message ?? r.error.message}`);
}
