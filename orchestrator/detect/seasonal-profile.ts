/**
 * Daily and weekly seasonality as hour-of-day and hour-of-week offsets from the
 * level, each trusted only as far as it has been seen to help.
 *
 * Each profile is a fixed set of hourly buckets (24 and 168), averaged with a
 * memory of about a week of days (daily) and a month of weeks (weekly). Whether
 * a profile is used at all is decided out of sample: the long-run error of the
 * forecast with and without it, measured before each bucket learns from the
 * point. The share of error it removes becomes its weight, so a series without
 * seasonality, or with only a few days of history, gets none, and no
 * seasonality setting has to be configured.
 */
import { DAILY_BUCKETS, DAILY_OFFSET, DAILY_WEIGHT_OFFSET, S, WEEKLY_BUCKETS, WEEKLY_OFFSET, WEEKLY_WEIGHT_OFFSET } from './detector-state.ts';
import { decay } from './sampling-clock.ts';

const HOUR_MS = 3_600_000;
/** Days a daily bucket remembers. */
const DAILY_MEMORY_DAYS = 7;
/** Weeks a weekly bucket remembers. */
const WEEKLY_MEMORY_WEEKS = 4;
/** 1970-01-01 was a Thursday: shift so that hour-of-week 0 is Monday 00:00 UTC. */
const MONDAY_SHIFT_HOURS = 72;

function hourIndex(timestampMs: number): number {
  return Math.floor(timestampMs / HOUR_MS);
}

function bucket(hours: number, size: number): number {
  return ((hours % size) + size) % size;
}

/** Weight in [0, 1] of a profile: the share of the simpler forecast's error that it removes. */
function profileWeight(simpler: number, withProfile: number): number {
  if (!(simpler > 0)) return 0;
  return Math.min(1, Math.max(0, 1 - withProfile / simpler));
}

/** The seasonal offset expected at `timestampMs`: weighted daily plus weekly profile. */
export function seasonalOffset(state: Float64Array, timestampMs: number): number {
  const hours = hourIndex(timestampMs);
  const d = bucket(hours, DAILY_BUCKETS);
  const w = bucket(hours + MONDAY_SHIFT_HOURS, WEEKLY_BUCKETS);
  const daily = profileWeight(state[S.errorBase]!, state[S.errorDaily]!) * state[DAILY_OFFSET + d]!;
  const weekly = profileWeight(state[S.errorDaily]!, state[S.errorWeekly]!) * state[WEEKLY_OFFSET + w]!;
  return daily + weekly;
}

/**
 * Learns from `x` observed at `timestampMs` when the level forecast was
 * `levelForecast` and the residual scale `scale`. Errors are clipped at
 * `clip * scale` so that anomalies neither teach the profiles nor judge them.
 */
export function updateSeasonalProfiles(state: Float64Array, timestampMs: number, x: number, levelForecast: number, scale: number, clip: number, steps: number, horizon: number): void {
  const hours = hourIndex(timestampMs);
  const d = DAILY_OFFSET + bucket(hours, DAILY_BUCKETS);
  const dw = DAILY_WEIGHT_OFFSET + bucket(hours, DAILY_BUCKETS);
  const w = WEEKLY_OFFSET + bucket(hours + MONDAY_SHIFT_HOURS, WEEKLY_BUCKETS);
  const ww = WEEKLY_WEIGHT_OFFSET + bucket(hours + MONDAY_SHIFT_HOURS, WEEKLY_BUCKETS);
  const limit = clip * scale;
  const clipAbs = (e: number): number => Math.min(Math.abs(e), limit);

  // Out-of-sample errors of the three nested forecasts, before any bucket moves.
  const base = x - levelForecast;
  const afterDaily = base - state[d]!;
  const afterWeekly = afterDaily - state[w]!;
  const rate = Math.max(1 / Math.max(1, state[S.count]!), 1 - decay(steps, horizon));
  state[S.errorBase] = state[S.errorBase]! + rate * (clipAbs(base) - state[S.errorBase]!);
  state[S.errorDaily] = state[S.errorDaily]! + rate * (clipAbs(afterDaily) - state[S.errorDaily]!);
  state[S.errorWeekly] = state[S.errorWeekly]! + rate * (clipAbs(afterWeekly) - state[S.errorWeekly]!);

  // Bucket memories are counted in points, which depend on the sampling interval.
  const step = state[S.step]! > 0 ? state[S.step]! : HOUR_MS;
  const pointsPerHour = Math.max(1, HOUR_MS / step);
  const dailyCap = pointsPerHour * DAILY_MEMORY_DAYS;
  const weeklyCap = pointsPerHour * WEEKLY_MEMORY_WEEKS;
  const dailyWeight = Math.min(state[dw]! + 1, dailyCap);
  state[dw] = dailyWeight;
  state[d] = state[d]! + Math.max(-limit, Math.min(limit, afterDaily)) / dailyWeight;
  const weeklyWeight = Math.min(state[ww]! + 1, weeklyCap);
  state[ww] = weeklyWeight;
  state[w] = state[w]! + Math.max(-limit, Math.min(limit, afterWeekly)) / weeklyWeight;
}
