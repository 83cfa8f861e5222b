/**
 * Record-breaking evidence: how far an excursion goes beyond the largest recent
 * excursions on the same side of the level.
 *
 * A metric's tails are rarely Gaussian: CPU spikes, request bursts and
 * byte counters jump by orders of magnitude as a matter of routine. Instead of
 * a z-score, each side keeps a slowly decaying envelope of its largest
 * excursion. With an exponential tail of scale b anchored at the level, the
 * largest of n excursions is typically b * ln(n / ln 2) (its median: (1 -
 * e^(-E/b))^n = 1/2), so a point at r envelopes out is r * ln(n / ln 2) scales
 * out and has surprise x / b = r * ln(n / ln 2) nats: one envelope out is "the
 * largest in n", twice as far is far rarer, whatever the units. (The factor is
 * the median of the maximum, not ln(n / 2): with few points the envelope is a
 * smaller multiple of b, and scoring it as if it were b * ln(n / 2) understated
 * the evidence of short series most.)
 */
import { S } from './detector-state.ts';

/**
 * Surprise (nats) of a residual `r` (value minus level) given the envelopes,
 * which never count as narrower than `minEnvelope * scale`.
 */
export function recordSurprise(state: Float64Array, r: number, scale: number, minEnvelope: number): number {
  const floor = minEnvelope * scale;
  const ratio = r >= 0 ? r / Math.max(state[S.envelopeUp]!, floor) : -r / Math.max(state[S.envelopeDown]!, floor);
  return ratio * Math.log(Math.max(2, state[S.envelopeWeight]! / Math.LN2));
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
