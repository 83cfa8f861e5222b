import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, backoffDelay, resolveBackoff } from '../../../orchestrator/telemetry/backoff.ts';

describe('backoff schedule', () => {
  const p = resolveBackoff({ baseMs: 100, throttleBaseMs: 1000, maxMs: 5000 });
  const cases: { retry: number; throttled: boolean; random: number; want: number }[] = [
    { retry: 0, throttled: false, random: 0, want: 50 },
    { retry: 0, throttled: false, random: 0.999999, want: 100 },
    { retry: 1, throttled: false, random: 0.5, want: 150 },
    { retry: 3, throttled: false, random: 0, want: 400 },
    { retry: 0, throttled: true, random: 0, want: 500 },
    { retry: 2, throttled: true, random: 0, want: 2000 },
    { retry: 3, throttled: true, random: 0, want: 2500 },
    { retry: 10, throttled: true, random: 1, want: 5000 },
    { retry: 60, throttled: false, random: 0.5, want: 3750 },
  ];
  for (const c of cases) {
    it(`retry ${c.retry}${c.throttled ? ' throttled' : ''} with draw ${c.random}: ${c.want} ms`, () => {
      assert.equal(backoffDelay(c.retry, c.throttled, p, c.random), c.want);
    });
  }

  it('never waits less than half nor more than the capped exponential', () => {
    for (let retry = 0; retry < 20; retry++) {
      const cap = Math.min(p.maxMs, p.baseMs * 2 ** retry);
      for (const r of [0, 0.25, 0.5, 0.75, 0.9999]) {
        const d = backoffDelay(retry, false, p, r);
        assert.ok(d >= cap / 2 && d <= cap, `retry ${retry}: ${d}`);
      }
    }
  });

  it('has defaults, and names a bad field', () => {
    assert.deepEqual(resolveBackoff(), DEFAULT_BACKOFF);
    assert.throws(() => resolveBackoff({ maxAttempts: 0 }), /backoff\.maxAttempts/);
    assert.throws(() => resolveBackoff({ maxMs: -1 }), /backoff\.maxMs/);
  });
});
