/**
 * Simulated time for the sandbox: it runs fast, by default one simulated
 * minute per real second (a speed of 60), so a day of a service's life takes
 * 24 real minutes. Pure: the conversions are arithmetic, and the clock object
 * reads the wall clock only through the `now()` it is given.
 *
 * Two time lines meet here:
 * - the simulation's, counted in simulated minutes from the start of a run
 *   (minute 0 is the first live minute; backfilled history has negative minutes);
 * - CloudWatch's, where each simulated minute is published at a wall-clock
 *   timestamp (see {@link SimTimeline}).
 */

export const MINUTE_MS = 60_000;

/** One simulated minute per real second. */
export const DEFAULT_SPEED = 60;

/** Simulated milliseconds per real millisecond, from "simulated minutes per real second". */
export function speedFromMinutesPerSecond(simMinutesPerRealSecond: number): number {
  return assertSpeed(simMinutesPerRealSecond * 60);
}

function assertSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0) throw new Error(`invalid sim clock speed: ${speed} (simulated ms per real ms, must be a positive number)`);
  return speed;
}

/** Real milliseconds that `simMs` simulated milliseconds take at `speed`. */
export function simToRealMs(simMs: number, speed: number = DEFAULT_SPEED): number {
  return simMs / assertSpeed(speed);
}

/** Simulated milliseconds that pass in `realMs` real milliseconds at `speed`. */
export function realToSimMs(realMs: number, speed: number = DEFAULT_SPEED): number {
  return realMs * assertSpeed(speed);
}

/** Real milliseconds one simulated minute takes at `speed` (1000 at the default speed). */
export function realMsPerSimMinute(speed: number = DEFAULT_SPEED): number {
  return simToRealMs(MINUTE_MS, speed);
}

export interface SimClockOptions {
  /** The wall clock, in ms since the epoch; injected so that tests control it. */
  now: () => number;
  /** Simulated ms per real ms; default {@link DEFAULT_SPEED}. */
  speed?: number;
  /** Wall time at which simulated minute 0 starts; default `now()` when the clock is made. */
  startRealMs?: number;
}

export interface SimClock {
  readonly speed: number;
  readonly startRealMs: number;
  /** Simulated ms since the start (fractional; negative before the start). */
  elapsedSimMs(): number;
  /** The simulated minute under way: `floor(elapsedSimMs / 60 000)`. */
  minute(): number;
  /** Wall time at which simulated minute `m` starts. */
  realMsAtMinute(m: number): number;
  /** Simulated ms since the start at wall time `realMs`. */
  simMsAt(realMs: number): number;
  /** Real ms from now until simulated minute `m` starts (0 if it has). */
  realDelayUntilMinute(m: number): number;
}

export function createSimClock(options: SimClockOptions): SimClock {
  const speed = assertSpeed(options.speed ?? DEFAULT_SPEED);
  const startRealMs = options.startRealMs ?? options.now();
  const simMsAt = (realMs: number) => realToSimMs(realMs - startRealMs, speed);
  const realMsAtMinute = (m: number) => startRealMs + simToRealMs(m * MINUTE_MS, speed);
  return {
    speed,
    startRealMs,
    elapsedSimMs: () => simMsAt(options.now()),
    minute: () => Math.floor(simMsAt(options.now()) / MINUTE_MS),
    realMsAtMinute,
    simMsAt,
    realDelayUntilMinute: (m) => Math.max(0, realMsAtMinute(m) - options.now()),
  };
}

/**
 * Real seconds one simulated minute may last in the live sandbox: the
 * metric periods CloudWatch accepts (1, 5, 10 and 30 s for high-resolution
 * metrics, 60 s for standard ones), since each simulated minute is published
 * as one period (see {@link liveTimeline}).
 */
export const MINUTE_LENGTHS_SECONDS = [1, 5, 10, 30, 60] as const;
export type MinuteLengthSeconds = (typeof MINUTE_LENGTHS_SECONDS)[number];

/** Validates a minute length; a wrong one gets an error that lists the valid ones. */
export function parseMinuteLength(value: number | string): MinuteLengthSeconds {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if ((MINUTE_LENGTHS_SECONDS as readonly unknown[]).includes(n)) return n as MinuteLengthSeconds;
  throw new Error(`invalid minute length ${JSON.stringify(value)}: real seconds per simulated minute, one of ${MINUTE_LENGTHS_SECONDS.join(', ')}`);
}

/** The clock speed (simulated ms per real ms) at which a simulated minute lasts `seconds` real seconds. */
export function speedForMinuteLength(seconds: number): number {
  return assertSpeed(MINUTE_MS / (seconds * 1000));
}

/**
 * Where simulated minutes land on CloudWatch's time line.
 *
 * Two layouts:
 * - {@link simTimeline}: one standard 60 s period per simulated minute,
 *   placed far enough in the past (headroom) that a fast run stays there.
 *   Signal time then runs ahead of the wall clock, so only readers that know
 *   the layout can relate the two.
 * - {@link liveTimeline}: one period of the minute's real length per
 *   simulated minute, stamped at the real time it starts. Signal time is
 *   wall time, so a service watching the metrics needs no knowledge of the
 *   simulation: its windows, deploy times and verification all share one
 *   clock. The live sandbox uses this one.
 *
 * The first layout:
 *
 * A run started at wall time T0 (floored to a whole minute) with a headroom
 * of H minutes publishes simulated minute `m` at
 *
 *     timestamp(m) = T0 − H·60 s + m·60 s
 *
 * so consecutive simulated minutes are exactly one 60 s period apart, and a
 * series read back with period 60 has one point per simulated minute.
 * Backfilled history is minutes −N … −1, just before T0 − H.
 *
 * Because simulated time runs faster than the wall clock, the timestamps
 * catch up with it: minute `m` is published at real time T0 + m·60 s/speed,
 * and its timestamp is still in the past while m ≤ {@link publishableMinutes}
 * (about 1.017·H at the default speed). Pick H for the longest run wanted;
 * past it, timestamps lie in the future, which readers that stop at "now"
 * (and CloudWatch beyond two hours) do not see.
 */
export interface SimTimeline {
  /** Timestamp (ms) of simulated minute 0: T0 − H·60 s, a whole minute; for a live timeline the start itself. */
  readonly originMs: number;
  /** The CloudWatch period one simulated minute is published as; 60 000 unless live. */
  readonly periodMs: number;
}

/** The timeline of a run started at wall time `t0Ms` with `headroomMinutes` of headroom. */
export function simTimeline(t0Ms: number, headroomMinutes: number): SimTimeline {
  if (!Number.isInteger(headroomMinutes) || headroomMinutes < 0) throw new Error(`invalid headroomMinutes: ${headroomMinutes} (a whole number of minutes, 0 or more)`);
  return { originMs: Math.floor(t0Ms / MINUTE_MS) * MINUTE_MS - headroomMinutes * MINUTE_MS, periodMs: MINUTE_MS };
}

/**
 * The live timeline of a run whose simulated minutes last `minuteSeconds`
 * real seconds: minute `m` is stamped at `start + m·minuteSeconds`, the real
 * time it starts (`start` is `nowMs` floored to a whole period), and published
 * as one period of that length. Backfilled history lies just before the start.
 */
export function liveTimeline(nowMs: number, minuteSeconds: number): SimTimeline {
  const periodMs = parseMinuteLength(minuteSeconds) * 1000;
  return { originMs: Math.floor(nowMs / periodMs) * periodMs, periodMs };
}

/** The sim clock that runs in step with a live timeline: minute `m` starts at the real time it is stamped with. */
export function clockOfTimeline(timeline: SimTimeline, now: () => number): SimClock {
  return createSimClock({ now, speed: MINUTE_MS / timeline.periodMs, startRealMs: timeline.originMs });
}

/** The CloudWatch timestamp (ms) of simulated minute `m`. */
export function timestampOfMinute(timeline: SimTimeline, m: number): number {
  return timeline.originMs + m * timeline.periodMs;
}

/** The simulated minute published at CloudWatch timestamp `ms` (floored). */
export function minuteOfTimestamp(timeline: SimTimeline, ms: number): number {
  return Math.floor((ms - timeline.originMs) / timeline.periodMs);
}

/**
 * The last simulated minute whose timestamp is not in the future when it is
 * published, for a run with `headroomMinutes` at `speed`:
 * m·60 s·(1 − 1/speed) ≤ H·60 s.
 */
export function publishableMinutes(headroomMinutes: number, speed: number = DEFAULT_SPEED): number {
  assertSpeed(speed);
  if (speed <= 1) return Number.POSITIVE_INFINITY;
  return Math.floor(headroomMinutes / (1 - 1 / speed));
}
