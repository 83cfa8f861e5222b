/**
 * The retry schedule for throttled and transient CloudWatch calls: bounded
 * exponential backoff with jitter. Pure: the random draw is passed in.
 */

/** How hard to retry. */
export interface BackoffPolicy {
  /**
   * Attempts per call in all, the first included.
   * @defaultValue 4
   */
  maxAttempts: number;
  /**
   * Base delay after a transient error (5xx, network); doubles per retry.
   * @defaultValue 200
   */
  baseMs: number;
  /**
   * Base delay after throttling, longer because the account's rate is spent.
   * @defaultValue 1000
   */
  throttleBaseMs: number;
  /**
   * Largest delay between two attempts.
   * @defaultValue 20000
   */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ maxAttempts: 4, baseMs: 200, throttleBaseMs: 1000, maxMs: 20_000 });

/** Fills in defaults and checks the values, naming the bad field. */
export function resolveBackoff(p: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const out = { ...DEFAULT_BACKOFF, ...p };
  if (!Number.isInteger(out.maxAttempts) || out.maxAttempts < 1) throw new RangeError(`backoff.maxAttempts must be an integer >= 1, got ${out.maxAttempts}`);
  for (const k of ['baseMs', 'throttleBaseMs', 'maxMs'] as const) {
    if (!Number.isFinite(out[k]) || out[k] < 0) throw new RangeError(`backoff.${k} must be a number >= 0, got ${out[k]}`);
  }
  return out;
}

/**
 * Delay before retry number `retry` (0 for the first retry): the capped
 * exponential `min(maxMs, base * 2^retry)`, of which the upper half is
 * jittered ("equal jitter"), so retries of many pollers spread out but never
 * come back sooner than half the schedule.
 *
 * @param random - a draw in [0, 1).
 */
export function backoffDelay(retry: number, throttled: boolean, policy: BackoffPolicy, random: number): number {
  const base = throttled ? policy.throttleBaseMs : policy.baseMs;
  const cap = Math.min(policy.maxMs, base * 2 ** Math.max(0, retry));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(cap / 2 + (cap / 2) * r);
}
