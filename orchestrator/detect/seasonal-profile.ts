/**
 * Daily and weekly seasonality as hour-of-day and hour-of-week offsets from the
 * level, each trusted only as far as it has been seen to help.
 *
 * Each profile is a fixed set of hourly buckets (24 and 168). A bucket learns
 * once per visit: the observations of one clock hour are averaged and folded in
 * when the hour is over, so a bucket only ever holds earlier days (or weeks),
 * never the last few minutes. That matters for the second half: whether a
 * profile is used at all is decided out of sample, from the long-run error of
 * the forecast with and without it. If buckets learnt point by point, the next
 * point of the same hour would be "forecast" by its neighbour and any
 * autocorrelated series would look seasonal. A profile that removes a clear
 * share of the error is used, one that does not is not, so a series without
 * seasonality, or with only a day or two of history, gets none, and no
 * seasonality setting has to be configured.
 */
import { DAILY_BUCKETS, DAILY_OFFSET, DAILY_WEIGHT_OFFSET, S, WEEKLY_BUCKETS, WEEKLY_OFFSET, WEEKLY_WEIGHT_OFFSET } from './detector-state.ts';

const HOUR_MS = 3_600_000;
/** Days a daily bucket remembers (its weight is capped at this many visits). */
const DAILY_MEMORY_DAYS = 7;
/** Weeks a weekly bucket remembers. */
const WEEKLY_MEMORY_WEEKS = 4;
/** Share of the error a profile must remove to be used in full; less is used in proportion. */
const FULL_WEIGHT_GAIN = 0.2;
/** 1970-01-01 was a Thursday: shift so that hour-of-week 0 is Monday 00:00 UTC. */
const MONDAY_SHIFT_HOURS = 72;

function bucket(hours: number, size: number): number {
  return ((hours % size) + size) % size;
}

/** Hours since the epoch of a timestamp. */
export function hourOf(timestampMs: number): number {
  return Math.floor(timestampMs / HOUR_MS);
}

/** Hour of day (0-23, UTC): the daily bucket of an hour from {@link hourOf}. */
export function dailyBucket(hour: number): number {
  return bucket(hour, DAILY_BUCKETS);
}

/** Hour of week (0-167, Monday 00:00 UTC is 0): the weekly bucket of an hour from {@link hourOf}. */
export function weeklyBucket(hour: number): number {
  return bucket(hour + MONDAY_SHIFT_HOURS, WEEKLY_BUCKETS);
}

/** Weight in [0, 1] of a profile from the long-run errors of the forecast without and with it. */
function profileWeight(simpler: number, withProfile: number): number {
  if (!(simpler > 0)) return 0;
  return Math.min(1, Math.max(0, (1 - withProfile / simpler) / FULL_WEIGHT_GAIN));
}

/** The seasonal offset expected in daily bucket `d` and weekly bucket `w`: weighted daily plus weekly profile. */
export function seasonalOffset(state: Float64Array, d: number, w: number): number {
  const daily = profileWeight(state[S.errorBase]!, state[S.errorDaily]!) * state[DAILY_OFFSET + d]!;
  const weekly = profileWeight(state[S.errorDaily]!, state[S.errorWeekly]!) * state[WEEKLY_OFFSET + w]!;
  return daily + weekly;
}

/** Folds the finished visit (one clock hour) into its buckets. */
function closeVisit(state: Float64Array): void {
  const count = state[S.visitCount]!;
  if (count > 0) {
    const hour = state[S.visitHour]!;
    const d = dailyBucket(hour);
    const w = weeklyBucket(hour);
    const dailyWeight = Math.min(state[DAILY_WEIGHT_OFFSET + d]! + 1, DAILY_MEMORY_DAYS);
    state[DAILY_WEIGHT_OFFSET + d] = dailyWeight;
    state[DAILY_OFFSET + d] = state[DAILY_OFFSET + d]! + (state[S.visitDailySum]! / count - state[DAILY_OFFSET + d]!) / dailyWeight;
    const weeklyWeight = Math.min(state[WEEKLY_WEIGHT_OFFSET + w]! + 1, WEEKLY_MEMORY_WEEKS);
    state[WEEKLY_WEIGHT_OFFSET + w] = weeklyWeight;
    state[WEEKLY_OFFSET + w] = state[WEEKLY_OFFSET + w]! + (state[S.visitWeeklySum]! / count - state[WEEKLY_OFFSET + w]!) / weeklyWeight;
  }
  state[S.visitDailySum] = 0;
  state[S.visitWeeklySum] = 0;
  state[S.visitCount] = 0;
}

/**
 * Learns from `x` observed in clock hour `hour` (buckets `d` and `w`) when the
 * level forecast was `levelForecast` and the residual scale `scale`. Errors are
 * clipped at `clip * scale` so that anomalies neither teach the profiles nor
 * judge them. `keep` ages the long-run errors over the elapsed steps.
 */
export function updateSeasonalProfiles(state: Float64Array, hour: number, d: number, w: number, x: number, levelForecast: number, scale: number, clip: number, keep: number): void {
  if (hour !== state[S.visitHour]!) {
    closeVisit(state);
    state[S.visitHour] = hour;
  }
  const limit = clip * scale;
  const base = x - levelForecast;
  const afterDaily = base - state[DAILY_OFFSET + d]!;
  const afterWeekly = afterDaily - state[WEEKLY_OFFSET + w]!;
  // Out-of-sample errors of the three nested forecasts (the buckets hold earlier visits only).
  const rate = Math.max(1 / Math.max(1, state[S.count]!), 1 - keep);
  state[S.errorBase] = state[S.errorBase]! + rate * (Math.min(Math.abs(base), limit) - state[S.errorBase]!);
  state[S.errorDaily] = state[S.errorDaily]! + rate * (Math.min(Math.abs(afterDaily), limit) - state[S.errorDaily]!);
  state[S.errorWeekly] = state[S.errorWeekly]! + rate * (Math.min(Math.abs(afterWeekly), limit) - state[S.errorWeekly]!);
  state[S.visitDailySum] = state[S.visitDailySum]! + Math.max(-limit, Math.min(limit, base));
  state[S.visitWeeklySum] = state[S.visitWeeklySum]! + Math.max(-limit, Math.min(limit, afterDaily));
  state[S.visitCount] = state[S.visitCount]! + 1;
}
