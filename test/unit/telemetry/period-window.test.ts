import assert from 'node:assert/strict';
import { alignDown, alignUp, seriesWindow, type WindowOptions } from '../../../orchestrator/telemetry/period-window.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

describe('period alignment', () => {
  const cases: [number, number, number, number][] = [
    // ms, period, down, up
    [T0, MIN, T0, T0],
    [T0 + 1, MIN, T0, T0 + MIN],
    [T0 + 59_999, MIN, T0, T0 + MIN],
    [T0 + 7 * MIN, 5 * MIN, T0 + 5 * MIN, T0 + 10 * MIN],
    [T0 + 30 * MIN, 3600_000, T0, T0 + 3600_000],
  ];
  for (const [ms, p, down, up] of cases) {
    it(`${ms - T0} ms past T0 with period ${p / 1000}s: down ${down - T0}, up ${up - T0}`, () => {
      assert.equal(alignDown(ms, p), down);
      assert.equal(alignUp(ms, p), up);
    });
  }
});

describe('series window', () => {
  const o: WindowOptions = { nowMs: T0 + 30_000, settleMs: 60_000, initialLookbackMs: 10 * MIN, maxLookbackMs: 60 * MIN };
  const cases: { name: string; period: number; watermark?: number; opts?: Partial<WindowOptions>; want: [number, number] | undefined }[] = [
    { name: 'fresh series: initial lookback, up to the last settled period', period: 60, want: [T0 - 9 * MIN, T0 - MIN] },
    { name: 'resumes after the watermark', period: 60, watermark: T0 - 5 * MIN, want: [T0 - 4 * MIN, T0 - MIN] },
    { name: 'long outage: capped at the max lookback', period: 60, watermark: T0 - 600 * MIN, want: [T0 - 59 * MIN, T0 - MIN] },
    { name: 'nothing due when caught up', period: 60, watermark: T0 - 2 * MIN, want: undefined },
    { name: 'an unaligned watermark resumes at the next period', period: 60, watermark: T0 - 5 * MIN + 10_000, want: [T0 - 4 * MIN, T0 - MIN] },
    { name: '5-minute period aligned to it', period: 300, opts: { nowMs: T0 + 16 * MIN }, want: [T0 - 5 * MIN + 16 * MIN - MIN, T0 + 15 * MIN] },
    { name: 'no settle delay reads up to the current period', period: 60, watermark: T0 - 2 * MIN, opts: { settleMs: 0 }, want: [T0 - MIN, T0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const w = seriesWindow(c.period, c.watermark, { ...o, ...c.opts });
      assert.deepEqual(w && [w.startMs, w.endMs], c.want);
      if (w) {
        assert.equal(w.startMs % (c.period * 1000), 0);
        assert.equal(w.endMs % (c.period * 1000), 0);
      }
    });
  }
});
