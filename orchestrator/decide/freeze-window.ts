import { z } from 'zod';

/**
 * Freeze windows: spans of time in which no automated change is made (a
 * release freeze, a sale, a weekend). Either one span between two instants,
 * or a weekly span on given days between two wall-clock times.
 */

const instant = z.union([
  z.number().finite(),
  z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO 8601 date-time'),
]);
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00 to 24:00)');

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** One span: from `start` (inclusive) to `end` (exclusive), epoch ms or ISO 8601. */
export const OnceFreezeSchema = z.object({
  start: instant,
  end: instant,
  reason: z.string().optional(),
}).strict();

/**
 * Every week, on each of `days`, from `from` to `to` (wall clock at
 * `utcOffsetMinutes`, default UTC). When `to` is not after `from`, the span
 * runs past midnight into the next day: `fri 18:00 -> 08:00` ends Saturday
 * morning.
 */
export const WeeklyFreezeSchema = z.object({
  days: z.array(z.enum(WEEKDAYS)).min(1),
  from: clock,
  to: clock,
  utcOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60).default(0),
  reason: z.string().optional(),
}).strict();

export const FreezeWindowSchema = z.union([OnceFreezeSchema, WeeklyFreezeSchema]);
export type FreezeWindow = z.input<typeof FreezeWindowSchema>;

function toMs(v: number | string): number {
  return typeof v === 'number' ? v : Date.parse(v);
}

function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Whether `now` (epoch ms) falls in the window. */
export function inFreezeWindow(window: FreezeWindow, now: number): boolean {
  if ('start' in window) return now >= toMs(window.start) && now < toMs(window.end);
  const local = new Date(now + (window.utcOffsetMinutes ?? 0) * 60_000);
  const day = WEEKDAYS[local.getUTCDay()]!;
  const prev = WEEKDAYS[(local.getUTCDay() + 6) % 7]!;
  const t = local.getUTCHours() * 60 + local.getUTCMinutes();
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  if (from < to) return window.days.includes(day) && t >= from && t < to;
  // Past midnight: the evening of a listed day, or the early hours after one.
  return (window.days.includes(day) && t >= from) || (window.days.includes(prev) && t < to);
}

/** The first window `now` falls in, described for a person, or undefined. */
export function activeFreeze(windows: readonly FreezeWindow[], now: number): string | undefined {
  for (const w of windows) {
    if (!inFreezeWindow(w, now)) continue;
    const span = 'start' in w ? `${new Date(toMs(w.start)).toISOString()} to ${new Date(toMs(w.end)).toISOString()}` : `${w.days.join(',')} ${w.from}-${w.to} (UTC${offset(w.utcOffsetMinutes ?? 0)})`;
    return w.reason ? `${span}: ${w.reason}` : span;
  }
  return undefined;
}

function offset(min: number): string {
  if (min === 0) return '';
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
