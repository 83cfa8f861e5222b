import assert from 'node:assert/strict';
import { createDetectorState } from '../../../orchestrator/detect/detector-state.ts';
import { calibratedSurprise, updateCalibration } from '../../../orchestrator/detect/surprise-calibration.ts';
import { createDetector } from '../../../orchestrator/detect/detector.ts';
import { gaussian, prng } from './synthetic.ts';

const BASE = 4;
const PRIOR = 30;

/** A state whose sketch has seen `n` raw surprises drawn by `draw`. */
function sketchOf(draw: () => number, n: number, keep = Math.exp(-1 / 3000)): Float64Array {
  const state = createDetectorState();
  for (let i = 0; i < n; i++) updateCalibration(state, draw(), keep, BASE);
  return state;
}

describe('surprise calibration', () => {
  it('leaves a fresh series on its raw surprise (the prior: raw surprises are exact)', () => {
    const state = createDetectorState();
    for (const nats of [0, 1, BASE, 9, 30]) assert.ok(Math.abs(calibratedSurprise(state, nats, BASE, PRIOR) - nats) < 1e-9, `${nats}`);
  });

  it('keeps exact surprises (P(S > s) = e^-s) about where they are', () => {
    const rnd = prng(3);
    const state = sketchOf(() => -Math.log(1 - rnd()), 20_000);
    assert.ok(Math.abs(calibratedSurprise(state, 12, BASE, PRIOR) - 12) < 0.3, `${calibratedSurprise(state, 12, BASE, PRIOR)}`);
  });

  it('lowers the surprises of a series that often reaches the base and raises those of one that never does', () => {
    const rnd = prng(4);
    const noisy = sketchOf(() => 2 * -Math.log(1 - rnd()), 20_000);
    const quiet = sketchOf(() => 0.5 * -Math.log(1 - rnd()), 20_000);
    assert.ok(calibratedSurprise(noisy, 12, BASE, PRIOR) < 11, `noisy: ${calibratedSurprise(noisy, 12, BASE, PRIOR)}`);
    assert.ok(calibratedSurprise(quiet, 12, BASE, PRIOR) > 13, `quiet: ${calibratedSurprise(quiet, 12, BASE, PRIOR)}`);
  });

  it('is monotone in the raw surprise and continuous at the base', () => {
    const rnd = prng(5);
    const state = sketchOf(() => 1.5 * -Math.log(1 - rnd()), 5_000);
    let last = -Infinity;
    for (let nats = 0; nats <= 40; nats += 0.25) {
      const c = calibratedSurprise(state, nats, BASE, PRIOR);
      assert.ok(c >= last, `${nats}`);
      last = c;
    }
    assert.ok(Math.abs(calibratedSurprise(state, BASE, BASE, PRIOR) - calibratedSurprise(state, BASE + 1e-9, BASE, PRIOR)) < 1e-6);
  });

  it('cuts the false alarms of heavy-tailed noise against the same detector uncalibrated', () => {
    // 5% of the points come from a three times wider Gaussian: the raw evidence overstates how rare they are.
    const rate = (options: { calibrationPrior?: number }, heavy: boolean): number => {
      const rnd = prng(9);
      const g = gaussian(rnd);
      const detector = createDetector(options);
      let flags = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        const v = 100 + g() * (heavy && rnd() < 0.05 ? 3 : 1);
        if (detector.update(Date.UTC(2024, 0, 1) + i * 300_000, v).isAnomaly) flags++;
      }
      return (1000 * flags) / n;
    };
    const uncalibrated = { calibrationPrior: 1e12 };
    for (const heavy of [false, true]) {
      const calibrated = rate({}, heavy);
      const raw = rate(uncalibrated, heavy);
      assert.ok(calibrated < raw, `heavy=${heavy}: calibrated ${calibrated} vs uncalibrated ${raw} false alarms per 1,000 points`);
    }
    assert.ok(rate({}, false) < 0.5, `Gaussian noise: ${rate({}, false)} false alarms per 1,000 points`);
  });
});
