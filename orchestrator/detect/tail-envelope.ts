/**
 * Record-breaking evidence: how far an excursion goes beyond the largest recent
 * excursions on the same side of the level.
 *
 * A metric's tails are rarely Gaussian: CPU spikes, request bursts and
 * byte counters jump by orders of magnitude as a matter of routine. Instead of
 * a z-score, each side keeps a slowly decaying envelope of its largest
 * excursion. With an exponential tail anchored at the level, a point at r
 * envelopes out has probability about (n/2)^-r among n recent points, so its
 * surprise is r * ln(n / 2) nats: one envelope out is "the largest in n", twice
 * as far is far rarer, whatever the units.
 */
import { S } from './detector-state.ts';

/**
 * Surprise (nats) of a residual `r` (value minus level) given the envelopes,
 * which never count as narrower than `minEnvelope * scale`.
 */
export function recordSurprise(state: Float64Array, r: number, scale: number, minEnvelope: number): number {
  const floor = minEnvelope * scale;
  const ratio = r >= 0 ? r / Math.max(state[S.envelopeUp]!, floor) : -r / Math.max(state[S.envelopeDown]!, floor);
  return ratio * Math.log(Math.max(2, state[S.envelopeWeight]! / 2));
}

/** Decays the envelopes by `keep` (exp(-steps / horizon)) and widens the side that `r` (value minus the updated level) exceeds. */
export function updateEnvelopes(state: Float64Array, r: number, keep: number): void {
  state[S.envelopeWeight] = state[S.envelopeWeight]! * keep + 1;
  state[S.envelopeUp] = Math.max(state[S.envelopeUp]! * keep, r);
  state[S.envelopeDown] = Math.max(state[S.envelopeDown]! * keep, -r);
}

/** After a level shift, forgets extremes wider than `width`: they belonged to the old regime. */
export function narrowEnvelopes(state: Float64Array, width: number): void {
  state[S.envelopeUp] = Math.min(state[S.envelopeUp]!, width);
  state[S.envelopeDown] = Math.min(state[S.envelopeDown]!, width);
}
