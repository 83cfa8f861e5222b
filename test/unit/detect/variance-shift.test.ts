import assert from 'node:assert/strict';
import { createDetectorState } from '../../../orchestrator/detect/detector-state.ts';
import { decay } from '../../../orchestrator/detect/sampling-clock.ts';
import { regularVariance, varianceSurprise } from '../../../orchestrator/detect/variance-shift.ts';
import { gaussian, prng } from './synthetic.ts';

const SHORT = decay(1, 16);
const LONG = decay(1, 500);
const CLIP = 4;
const MIN_WEIGHT = 75;
const REGULAR = regularVariance(SHORT);

describe('variance-change evidence', () => {
  it('stays quiet on independent noise and speaks up within a few horizons when the spread grows', () => {
    const normal = gaussian(prng(7));
    const state = createDetectorState();
    let quiet = 0;
    for (let i = 0; i < 3000; i++) quiet = Math.max(quiet, varianceSurprise(state, normal(), SHORT, LONG, CLIP, MIN_WEIGHT, REGULAR));
    assert.ok(quiet < 12, `largest surprise on noise: ${quiet}`);
    let loud = 0;
    for (let i = 0; i < 48; i++) loud = Math.max(loud, varianceSurprise(state, 2.5 * normal(), SHORT, LONG, CLIP, MIN_WEIGHT, REGULAR));
    // 9 nats is the alerting level of the default detector.
    assert.ok(loud > 10, `largest surprise after the spread grew 2.5-fold: ${loud}`);
  });

  it('sees a series going quiet as well', () => {
    const normal = gaussian(prng(8));
    const state = createDetectorState();
    for (let i = 0; i < 3000; i++) varianceSurprise(state, normal(), SHORT, LONG, CLIP, MIN_WEIGHT, REGULAR);
    let loud = 0;
    for (let i = 0; i < 48; i++) loud = Math.max(loud, varianceSurprise(state, 0.05 * normal(), SHORT, LONG, CLIP, MIN_WEIGHT, REGULAR));
    assert.ok(loud > 15, `largest surprise after the spread fell 20-fold: ${loud}`);
  });

  it('judges the first point after a long gap as one point, and a spike by a bounded amount', () => {
    const normal = gaussian(prng(9));
    const state = createDetectorState();
    for (let i = 0; i < 3000; i++) varianceSurprise(state, normal(), SHORT, LONG, CLIP, MIN_WEIGHT, REGULAR);
    const afterGap = varianceSurprise(state, 1e6, decay(200, 16), decay(200, 500), CLIP, MIN_WEIGHT, REGULAR);
    assert.ok(afterGap < 6, `one huge residual after a gap: ${afterGap} nats`);
    const spike = varianceSurprise(state, -1e9, SHORT, LONG, CLIP, MIN_WEIGHT, REGULAR);
    assert.ok(Number.isFinite(spike) && spike < 9, `one more huge residual: ${spike} nats`);
  });

  it('says nothing before it has enough history', () => {
    const state = createDetectorState();
    for (let i = 0; i < MIN_WEIGHT - 1; i++) assert.equal(varianceSurprise(state, i % 2 === 0 ? 100 : 0, SHORT, LONG, CLIP, MIN_WEIGHT, REGULAR), 0);
  });
});
