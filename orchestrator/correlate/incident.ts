import { z } from 'zod';
import { SignalRoleSchema } from '../../stacks/contract.ts';
import { IncidentPredictionSchema } from './predicted-breach.ts';

/**
 * An incident: abnormal signals and alarms of one stack, or of stacks linked
 * by topology, that turned abnormal close together, grouped as one thing for
 * a person (and for diagnosis) to look at. Plain JSON, so it can be persisted
 * and read back with {@link IncidentSchema}.
 */

/** One metric series that has been anomalous during the incident. */
export const IncidentSignalSchema = z.object({
  seriesId: z.string(),
  stackKey: z.string(),
  signalId: z.string(),
  /** The signal's role, when the anomaly said or the contract knew. */
  role: SignalRoleSchema.optional(),
  /** First and last anomalous point, epoch ms. */
  firstAt: z.number(),
  lastAt: z.number(),
  /** Anomalous points counted (each point once: only points newer than `lastAt` count). */
  points: z.number().int().nonnegative(),
  firstValue: z.number(),
  lastValue: z.number(),
  /** Value of the highest-scoring point. */
  peakValue: z.number(),
  peakScore: z.number(),
  threshold: z.number(),
});
export type IncidentSignal = z.infer<typeof IncidentSignalSchema>;

/** One alarm that has been in ALARM during the incident, with its latest state. */
export const IncidentAlarmSchema = z.object({
  stackKey: z.string(),
  alarmName: z.string(),
  state: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  firstAlarmAt: z.number(),
  /** Time of the latest state reported. */
  stateAt: z.number(),
});
export type IncidentAlarm = z.infer<typeof IncidentAlarmSchema>;

export const IncidentSchema = z.object({
  /** `<stackKey>@<onset bucket, YYYYMMDDTHHMMZ>`: from content, so a replay yields the same id. */
  id: z.string(),
  status: z.enum(['open', 'resolved']),
  /** The stack that turned abnormal first. */
  stackKey: z.string(),
  /** Every stack involved, in the order they joined. */
  stacks: z.array(z.string()),
  /** Earliest abnormal point or alarm, epoch ms. */
  onsetAt: z.number(),
  /** Signal time at which the incident was last changed. */
  updatedAt: z.number(),
  /** Latest time any of its signals was abnormal (an anomalous point, or an alarm leaving ALARM). */
  lastAbnormalAt: z.number(),
  resolvedAt: z.number().optional(),
  signals: z.array(IncidentSignalSchema),
  alarms: z.array(IncidentAlarmSchema),
  /**
   * Opened on a forecast (a saturating signal predicted to reach its limit within the horizon)
   * rather than on an observed anomaly or alarm. Stays true when observed signals join later:
   * `predictions` then shows how far ahead the warning came. Absent: opened on an observation.
   */
  predicted: z.boolean().optional(),
  /** Series predicted to breach during the incident, one entry per series. Absent: none. */
  predictions: z.array(IncidentPredictionSchema).optional(),
  /** One line per thing that joined, oldest first (bounded; see `omitted`). */
  evidence: z.array(z.string()),
  /** Signals, alarms and evidence lines left out because the incident hit its bounds. */
  omitted: z.number().int().nonnegative(),
});
export type Incident = z.infer<typeof IncidentSchema>;

/** What happened to an incident in one step. */
export const IncidentEventSchema = z.object({
  type: z.enum(['opened', 'updated', 'resolved']),
  incidentId: z.string(),
  /** Signal time of the event, epoch ms. */
  at: z.number(),
  /** For `updated`: what was added or changed, one line each. For `resolved`: why. */
  changes: z.array(z.string()),
  /** The incident as it stands after the step (a copy). */
  incident: IncidentSchema,
});
export type IncidentEvent = z.infer<typeof IncidentEventSchema>;

/** `20261129T0010Z` for an epoch-ms time: no `:`, which job ids may not contain. */
export function compactTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/** The content-derived id of an incident that started on `stackKey` at `onsetAt`. */
export function incidentId(stackKey: string, onsetAt: number, bucketMs: number): string {
  const bucket = Math.floor(onsetAt / bucketMs) * bucketMs;
  return `${stackKey}@${compactTime(bucket)}`;
}

/** Whether the incident rests on predictions alone so far: opened on a forecast, with no anomaly or alarm yet. */
export function isPredictedOnly(incident: Pick<Incident, 'predicted' | 'signals' | 'alarms'>): boolean {
  return incident.predicted === true && incident.signals.length === 0 && incident.alarms.length === 0;
}
