/**
 * Calibration of the combined surprise against the series' own history of
 * surprises, so that one threshold means about the same false-alarm rate on
 * every series.
 *
 * The evidence models are approximations (exponential tails, Gaussian shift
 * statistics), and how far they are off depends on the series: a heavy-tailed,
 * bursty count produces more large surprises than its nats promise, a short,
 * sparse hourly series fewer (its envelopes have seen few points). Each series
 * therefore keeps a tiny sketch of its own surprises: a decayed count of all
 * surprises and of those beyond a base. The calibrated surprise is -ln of a
 * conformal p-value, the estimated probability that this series produces a
 * surprise at least this large: the observed rate of reaching the base, times
 * e^-(excess over the base) beyond it. The tail beyond the base keeps the unit
 * slope of an exact surprise, so the calibration moves a series' surprises by
 * one offset and keeps resolving surprises far beyond anything in a short
 * history (fitting the slope as well was tried: it let the anomalies of a
 * series flatten its own tail and lost detections).
 *
 * If the raw surprises were exact, P(S > s) = e^-s: the rate at the base is
 * e^-base and the calibrated surprise equals the raw one. That is also the
 * prior, worth `prior` exceedances, so a young series is scored on its raw
 * nats and moves to its own calibration as evidence accumulates.
 */
import { S } from './detector-state.ts';

/** -ln of the rate at which this series' surprises reach `base`, prior included (`prior` exceedances in `prior * e^base` points). */
function rateNats(state: Float64Array, base: number, prior: number, priorPoints: number): number {
  return -Math.log((state[S.calibrationCount]! + prior) / (state[S.calibrationWeight]! + priorPoints));
}

/**
 * The calibrated surprise (nats) of a raw surprise `nats`, judged against this
 * series' earlier surprises. `priorPoints` is `prior * e^base` (computed once by
 * the caller: exp() is the main cost per point).
 */
export function calibratedSurprise(state: Float64Array, nats: number, base: number, prior: number, priorPoints = prior * Math.exp(base)): number {
  const atBase = rateNats(state, base, prior, priorPoints);
  // Below the base the raw surprise only matters as a runner-up; it is scaled to meet the tail at the base.
  return nats <= base ? (nats / base) * atBase : atBase + (nats - base);
}

/** Ages the sketch by `keep` and counts the raw surprise just scored. */
export function updateCalibration(state: Float64Array, nats: number, keep: number, base: number): void {
  state[S.calibrationWeight] = state[S.calibrationWeight]! * keep + 1;
  state[S.calibrationCount] = state[S.calibrationCount]! * keep + (nats > base ? 1 : 0);
}
