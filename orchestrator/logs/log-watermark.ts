import { z } from 'zod';

/**
 * Which log events are new: a watermark per log stream, the newest event
 * timestamp emitted and the ids of the events emitted at exactly that
 * timestamp. Pure.
 *
 * Why the ids: many events share one millisecond, and a page or a poll can
 * end between two of them. A bare timestamp would either read the rest of
 * that millisecond again (duplicates, with `>=`) or skip it (a gap, with
 * `>`); keeping the ids at the newest timestamp does neither.
 */

/** One event as FilterLogEvents returns it. */
export interface LogEvent {
  readonly logStreamName: string;
  readonly eventId: string;
  /** When the event happened, ms since the epoch. */
  readonly timestamp: number;
  readonly message: string;
}

export const StreamWatermarkSchema = z.object({
  /** Newest event timestamp emitted from the stream. */
  ts: z.number().int(),
  /** Ids of the events emitted at exactly `ts`. */
  ids: z.array(z.string()),
});
export type StreamWatermark = z.infer<typeof StreamWatermarkSchema>;

/** Is this event past the stream's watermark? */
export function isNewEvent(mark: StreamWatermark | undefined, e: LogEvent): boolean {
  return !mark || e.timestamp > mark.ts || (e.timestamp === mark.ts && !mark.ids.includes(e.eventId));
}

/**
 * The events of one page not yet emitted, in page order, and the watermarks
 * of the streams they move (the others are left out). `marks` is not changed.
 * Events must come in ascending time per stream, as FilterLogEvents gives them.
 */
export function freshEvents(events: readonly LogEvent[], marks: ReadonlyMap<string, StreamWatermark>): { fresh: LogEvent[]; moved: Map<string, StreamWatermark> } {
  const fresh: LogEvent[] = [];
  const moved = new Map<string, StreamWatermark>();
  for (const e of events) {
    const mark = moved.get(e.logStreamName) ?? marks.get(e.logStreamName);
    if (!isNewEvent(mark, e)) continue;
    fresh.push(e);
    moved.set(e.logStreamName, mark && mark.ts === e.timestamp ? { ts: mark.ts, ids: [...mark.ids, e.eventId] } : { ts: e.timestamp, ids: [e.eventId] });
  }
  return { fresh, moved };
}

/** How far back and forward one read of a group goes. */
export interface LogWindowOptions {
  /** Events are read only once this old, so late ingestion has landed. */
  settleMs: number;
  /** A group never read starts this far back. */
  initialLookbackMs: number;
  /** A gap (a restart, an outage) is filled this far back at most. */
  maxLookbackMs: number;
  /** Each read starts this far before the last one ended, to catch new streams' late events; the watermarks drop the repeats. */
  overlapMs: number;
}

/**
 * The time range `[startTime, endTime]` (both inclusive, as FilterLogEvents
 * takes them) of the next read of a group, given where the last complete
 * read ended; undefined when nothing has settled since.
 */
export function readWindow(readTo: number | undefined, now: number, o: LogWindowOptions): { startTime: number; endTime: number } | undefined {
  const endTime = now - o.settleMs;
  const from = readTo === undefined ? now - o.initialLookbackMs : readTo + 1 - o.overlapMs;
  const startTime = Math.max(from, now - o.maxLookbackMs);
  return startTime <= endTime ? { startTime, endTime } : undefined;
}

/**
 * Streams whose watermark lies before `nextStart`, the earliest time the next
 * read can start: any event read from them later is past the mark anyway, so
 * the mark can go. This keeps the store bounded where streams come and go
 * (one per container or function instance).
 */
export function expiredStreams(marks: ReadonlyMap<string, StreamWatermark>, nextStart: number): string[] {
  return [...marks].filter(([, m]) => m.ts < nextStart).map(([s]) => s);
}
