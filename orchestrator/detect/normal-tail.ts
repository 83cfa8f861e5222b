/**
 * Gaussian tail probabilities expressed as "nats of surprise", -ln(p).
 *
 * Surprise in nats is the common currency of the detector: every component
 * turns its evidence into -ln(probability under "nothing happened"), so they can
 * be compared and combined without knowing the series' units.
 */

const LN_2PI_HALF = 0.5 * Math.log(2 * Math.PI);

/**
 * -ln of the two-sided Gaussian tail probability P(|Z| >= |z|).
 *
 * Uses a Chebyshev fit of erfc (relative error below 1.2e-7) where it is
 * accurate, and the asymptotic series beyond |z| = 8 so that huge z stay finite
 * and monotone instead of underflowing to Infinity.
 */
export function twoSidedNormalNats(z: number): number {
  const a = Math.abs(z);
  if (!(a > 0)) return 0;
  if (a > 8) {
    // ln P(|Z|>a) = ln 2 - a^2/2 - ln a - ln sqrt(2 pi) + ln(1 - 1/a^2 + 3/a^4)
    const inv2 = 1 / (a * a);
    return 0.5 * a * a + Math.log(a) + LN_2PI_HALF - Math.LN2 - Math.log(1 - inv2 + 3 * inv2 * inv2);
  }
  // P(|Z| >= a) = erfc(a / sqrt 2)
  const x = a / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const lnErfc =
    Math.log(t) -
    x * x -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.max(0, -lnErfc);
}
