import { z } from 'zod';

/**
 * One step of the loop as a person follows it: push → preview → policy →
 * apply; anomaly → incident → proposal → policy → commit → apply → verified.
 * The sandbox prints these; `--json` prints them one object per line.
 */
export const TimelineEventTypeSchema = z.enum([
  'service',
  'push',
  'preview',
  'policy',
  'apply',
  'drift',
  /** A change made outside Git, read from the change events. */
  'change',
  'anomaly',
  'incident',
  'proposal',
  'decision',
  'commit',
  'verify',
  'rollback',
  'error',
]);
export type TimelineEventType = z.infer<typeof TimelineEventTypeSchema>;

export const TimelineEventSchema = z.object({
  type: TimelineEventTypeSchema,
  /** ISO time of the event. */
  at: z.string(),
  /** One line for a person. */
  message: z.string(),
  stack: z.string().optional(),
  commit: z.string().optional(),
  incident: z.string().optional(),
  playbook: z.string().optional(),
  confidence: z.number().optional(),
  /** For example `ok`, `failed`, `effective`, `rolled-back`, `rejected`. */
  outcome: z.string().optional(),
  /** How long the step took. */
  durationMs: z.number().optional(),
  /** Anything else a script may want (resource counts, policy names…). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

export type TimelineSink = (event: TimelineEvent) => void;

/** Builds an event stamped now. */
export function timelineEvent(type: TimelineEventType, message: string, fields: Omit<TimelineEvent, 'type' | 'at' | 'message'> = {}): TimelineEvent {
  return { type, at: new Date().toISOString(), message, ...fields };
}

const ICONS: Record<TimelineEventType, string> = {
  service: '•',
  push: '⇡',
  preview: '◇',
  policy: '§',
  apply: '▶',
  drift: '≠',
  change: '✎',
  anomaly: '!',
  incident: '▲',
  proposal: '?',
  decision: '→',
  commit: '●',
  verify: '✓',
  rollback: '↺',
  error: '✗',
};

/** Formats an event as one readable line: time, step, message, duration. */
export function formatTimelineEvent(e: TimelineEvent): string {
  const time = e.at.slice(11, 19);
  const took = e.durationMs === undefined ? '' : ` (${e.durationMs < 1000 ? `${e.durationMs} ms` : `${(e.durationMs / 1000).toFixed(1)} s`})`;
  const where = e.stack ? ` [${e.stack}${e.commit ? `@${e.commit.slice(0, 7)}` : ''}]` : '';
  return `${time} ${ICONS[e.type]} ${e.type.padEnd(8)}${where} ${e.message}${took}`;
}
