/**
 * From component surprises to one score in [0, 1], and the suppression that
 * keeps one event from alerting many times.
 */
import { S } from './detector-state.ts';

/** Largest surprise carried into the score: beyond it everything is equally certain. */
const MAX_NATS = 1e6;

/**
 * Combines component surprises (nats): the strongest counts in full and the
 * runner-up by half, so two independent kinds of evidence at once (a spike that
 * also starts a shift) outrank either alone, without letting many weak ones
 * add up to an alarm.
 */
export function combineSurprises(a: number, b: number, c: number, d: number): number {
  const high1 = Math.max(a, b);
  const high2 = Math.max(c, d);
  const first = Math.max(high1, high2);
  // The runner-up: the smaller of the two pair winners, or the loser of the winning pair.
  const second = Math.max(Math.min(high1, high2), high1 >= high2 ? Math.min(a, b) : Math.min(c, d));
  return Math.min(MAX_NATS, first + 0.5 * second);
}

/** Maps surprise (nats, >= 0) monotonically into [0, 1): `halfNats` maps to 0.5. */
export function squash(nats: number, halfNats: number): number {
  return nats > 0 ? nats / (nats + halfNats) : 0;
}

/** The surprise (nats) that {@link squash} maps to `score`. */
export function natsForScore(score: number, halfNats: number): number {
  return score >= 1 ? Infinity : (score * halfNats) / (1 - score);
}

/**
 * Damps a score whose surprise does not clear the bar left by earlier alerts,
 * and updates the bar. NAB (and an on-call engineer) counts every repeated
 * alert as a false positive: an event should alert when it starts, and again
 * only if it gets clearly worse (by the factor `growth`) or comes back after
 * the bar has decayed. `keep` is the bar's decay over the elapsed steps.
 */
export function suppressRepeats(state: Float64Array, score: number, nats: number, keep: number, factor: number, growth: number): number {
  const bar = state[S.peak]! * keep;
  const beats = nats > bar;
  state[S.peak] = beats ? Math.max(bar, nats * growth) : bar;
  return beats ? score : score * factor;
}
