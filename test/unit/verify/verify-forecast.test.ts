import assert from 'node:assert/strict';
import { verifyForecast, type ForecastWindow } from '../../../orchestrator/verify/verify-forecast.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1);

/** Disk % one point a minute: `fill(m)` for minutes 0 .. `to` - 1; the change applied after minute `appliedAfter`. */
function window(fill: (m: number) => number, to: number, appliedAfter: number): ForecastWindow {
  const points = [];
  for (let m = 0; m < to; m++) points.push({ timestamp: T0 + m * MIN, value: fill(m) + (((m * 7919) % 11) / 10 - 0.5) * 0.5 });
  return { signalId: 'disk', limit: { value: 100, direction: 'up' }, points, watermark: T0 + appliedAfter * MIN, horizonMs: 30 * MIN, minConfidence: 0.9 };
}

// Filling at 1%/min from 30%: 80% at minute 50, the limit 20 minutes ahead.
const filling = (m: number) => 30 + m;

describe('verifying a proactive change against the forecast', () => {
  it('effective when the volume doubled: the headroom grew while the forecast restarts', () => {
    // At minute 50 the volume doubles: 80% of the old size is 40% of the new, and the fill rate halves.
    const v = verifyForecast([window((m) => (m <= 50 ? filling(m) : 40 + (m - 50) * 0.5), 58, 50)]);
    assert.equal(v.outcome, 'effective', v.summary);
    assert.match(v.summary, /^proactive change effective: disk: headroom grew by \d+% \(headroom 2\d\.?\d* before the change, 5\d\.?\d* after \(limit 100\)\); the forecast restarted/);
  });

  it('effective when, long after the change, the forecast no longer predicts a breach within the horizon', () => {
    const v = verifyForecast([window((m) => (m <= 50 ? filling(m) : 40 + (m - 50) * 0.1), 90, 50)]);
    assert.equal(v.outcome, 'effective', v.summary);
    assert.match(v.summary, /disk: no breach expected within 30\.0 min/);
  });

  it('not effective when the fill goes on as before: still forecast to breach', () => {
    const v = verifyForecast([window(filling, 58, 50)]);
    assert.equal(v.outcome, 'not-effective');
    assert.match(v.summary, /^proactive change not effective: disk is still forecast to reach its limit 100: breach in/);
  });

  it('not effective when the signal reached its limit after the change', () => {
    const v = verifyForecast([window((m) => (m <= 50 ? filling(m) : 101), 58, 50)]);
    assert.equal(v.outcome, 'not-effective');
    assert.match(v.summary, /disk reached its limit 100 after the change/);
  });

  it('not effective when a small step barely moved the level and the forecast cannot tell', () => {
    const v = verifyForecast([window((m) => (m <= 50 ? filling(m) : 76 + (m - 50) * 0.2), 56, 50)]);
    assert.equal(v.outcome, 'not-effective', v.summary);
    assert.match(v.summary, /the forecast cannot tell yet and the headroom did not grow by 25%/);
  });

  it('says so when nothing came after the change, or nothing was named', () => {
    assert.match(verifyForecast([window(filling, 50, 50)]).summary, /disk: no values after the change/);
    assert.equal(verifyForecast([]).summary, 'proactive change: no forecast signal was named to verify');
  });
});
