/**
 * Peaks-over-threshold evidence: the tail probability of a residual from how
 * often this side of the forecast goes beyond a base and by how much on
 * average when it does.
 *
 * The record-breaking envelopes (`tail-envelope.ts`) estimate the tail from the
 * few largest excursions, which adapts to heavy tails but is noisy, and with a
 * short history a point only has to beat the largest of a few hundred. Here
 * the tail scale comes from every excursion beyond the base (about one point in
 * six on each side), and the surprise is a plain tail probability, whatever the
 * length of the history: beyond the base `u` the excess is taken as
 * exponential with the observed mean `m`, so a residual `a > u` has probability
 * q * exp(-(a - u) / m), q being the observed rate of exceedances. Under a
 * heavy tail this overstates the surprise of large residuals and the envelopes
 * do not; under a short history the envelopes overstate the doubt and this does
 * not; `detector.ts` uses the smaller of the two surprises, so a point has to be
 * surprising under both models of the tail.
 */
import { S } from './detector-state.ts';

/** Base of the tail, in robust standard deviations: one standard deviation out starts the tail. */
const BASE_SCALES = 1;
/** Prior exceedance rate: P(Z > 1) for a Gaussian, about 0.16. */
const PRIOR_RATE = 0.16;
/** Weight of the prior, in exceedances; its mean excess is one robust standard deviation (the exponential of that scale). */
const PRIOR_EXCEEDANCES = 1;

function countAt(up: boolean): number {
  return up ? S.excessUpCount : S.excessDownCount;
}

function sumAt(up: boolean): number {
  return up ? S.excessUpSum : S.excessDownSum;
}

/** Rate of exceedances on one side, with the prior; `points` is the effective number of points observed. */
function exceedRate(count: number, points: number): number {
  return (count + PRIOR_EXCEEDANCES) / (points + PRIOR_EXCEEDANCES / PRIOR_RATE);
}

/**
 * Surprise (nats) of a residual `r` (value minus forecast) with robust scale
 * `scale`, `points` being the effective number of points behind the counts.
 */
export function excessSurprise(state: Float64Array, r: number, scale: number, points: number): number {
  const up = r >= 0;
  const a = Math.abs(r);
  const base = BASE_SCALES * scale;
  const count = state[countAt(up)]!;
  const rateNats = -Math.log(exceedRate(count, points));
  // Inside the base the surprise rises linearly to that of reaching it (it only matters as a runner-up).
  if (a <= base) return (a / base) * rateNats;
  const meanExcess = (state[sumAt(up)]! + PRIOR_EXCEEDANCES * scale) / (count + PRIOR_EXCEEDANCES);
  return rateNats + (a - base) / meanExcess;
}

/**
 * Ages both sides by `keep` and folds in the residual `r` (the one just
 * scored). An excess counts at most as far as a surprise of `capNats`, so the
 * anomalies being detected do not widen the yardstick they are measured with.
 */
export function updateExcess(state: Float64Array, r: number, scale: number, points: number, keep: number, capNats: number): void {
  const up = r >= 0;
  const a = Math.abs(r);
  const base = BASE_SCALES * scale;
  state[S.excessUpCount] = state[S.excessUpCount]! * keep;
  state[S.excessUpSum] = state[S.excessUpSum]! * keep;
  state[S.excessDownCount] = state[S.excessDownCount]! * keep;
  state[S.excessDownSum] = state[S.excessDownSum]! * keep;
  if (a <= base) return;
  const c = countAt(up);
  const count = state[c]!;
  const meanExcess = (state[sumAt(up)]! + PRIOR_EXCEEDANCES * scale) / (count + PRIOR_EXCEEDANCES);
  const capExcess = Math.max(0, capNats + Math.log(exceedRate(count, points))) * meanExcess;
  state[c] = count + 1;
  state[sumAt(up)] = state[sumAt(up)]! + Math.min(a - base, capExcess);
}
