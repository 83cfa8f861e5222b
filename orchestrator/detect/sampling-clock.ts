/**
 * Turns timestamps into elapsed "steps" of the series' own sampling interval.
 *
 * Every horizon in the detector is in steps, and every decay is applied per
 * elapsed step rather than per point, so a gap ages the statistics as much as
 * the missing points would have, and irregular sampling is handled without
 * resampling.
 */
import { S } from './detector-state.ts';

/** How fast the learnt interval follows changes in the sampling rate. */
const STEP_LEARNING_RATE = 0.05;
/** Relative timing jitter that still counts as exactly one step. */
const JITTER = 0.05;
/** Longest gap that is aged in full: beyond it everything has decayed anyway. */
const MAX_STEPS = 1e6;

/**
 * Records the timestamp of a new observation and returns how many steps have
 * passed since the previous one: at least 1 (a duplicate or out-of-order
 * timestamp still is one more observation), and 1 for the first observations
 * before an interval is known.
 */
export function advanceClock(state: Float64Array, timestampMs: number): number {
  const last = state[S.lastTime]!;
  if (Number.isNaN(last)) {
    state[S.lastTime] = timestampMs;
    return 1;
  }
  const dt = timestampMs - last;
  if (dt <= 0) return 1;
  state[S.lastTime] = timestampMs;
  let step = state[S.step]!;
  if (step === 0) {
    step = dt;
  } else {
    // Clamped so that one gap (or one burst) nudges the interval instead of redefining it.
    const seen = Math.min(Math.max(dt, 0.5 * step), 2 * step);
    step += STEP_LEARNING_RATE * (seen - step);
  }
  state[S.step] = step;
  const steps = dt / step;
  // Jitter of a few percent is still one regular step (and lets the caller use precomputed decays).
  if (steps < 1 + JITTER) return 1;
  return Math.min(steps, MAX_STEPS);
}

/** exp(-steps / horizon): how much of an average with that horizon survives `steps`. */
export function decay(steps: number, horizon: number): number {
  return Math.exp(-steps / horizon);
}
