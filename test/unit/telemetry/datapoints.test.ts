import assert from 'node:assert/strict';
import { isFailedStatus, mergePages, newPoints } from '../../../orchestrator/telemetry/datapoints.ts';
import type { QueryResultPage } from '../../../orchestrator/telemetry/metrics-reader.ts';

const page = (id: string, ts: number[], vs: number[], status = 'Complete', messages: string[] = []): QueryResultPage => ({ id, timestamps: ts, values: vs, status, messages });

describe('merging pages', () => {
  it('concatenates one query over several pages and keeps the last status', () => {
    const merged = mergePages([[page('q0', [1, 2], [10, 20], 'PartialData'), page('q1', [1], [5])], [page('q0', [3], [30])]]);
    assert.deepEqual(merged.get('q0'), { id: 'q0', timestamps: [1, 2, 3], values: [10, 20, 30], status: 'Complete', messages: [] });
    assert.deepEqual(merged.get('q1')!.values, [5]);
  });
  it('keeps each message once', () => {
    const merged = mergePages([[page('q0', [], [], 'InternalError', ['a'])], [page('q0', [], [], 'InternalError', ['a', 'b'])]]);
    assert.deepEqual(merged.get('q0')!.messages, ['a', 'b']);
  });
  const statuses: [string, boolean][] = [['Complete', false], ['PartialData', false], ['InternalError', true], ['Forbidden', true]];
  for (const [s, failed] of statuses) it(`status ${s} failed=${failed}`, () => assert.equal(isFailedStatus(s), failed));
});

describe('new points', () => {
  const cases: { name: string; ts: number[]; vs: number[]; watermark?: number; want: [number, number][] }[] = [
    { name: 'descending input comes out ascending', ts: [3, 2, 1], vs: [30, 20, 10], want: [[1, 10], [2, 20], [3, 30]] },
    { name: 'nothing at or before the watermark', ts: [1, 2, 3, 4], vs: [1, 2, 3, 4], watermark: 2, want: [[3, 3], [4, 4]] },
    { name: 'each timestamp once, the first seen wins', ts: [1, 2, 2, 1], vs: [1, 2, 9, 9], want: [[1, 1], [2, 2]] },
    { name: 'non-finite values dropped', ts: [1, 2, 3], vs: [1, Number.NaN, Infinity], want: [[1, 1]] },
    { name: 'all already emitted', ts: [1, 2], vs: [1, 2], watermark: 5, want: [] },
    { name: 'mismatched lengths use the shorter', ts: [1, 2, 3], vs: [1], want: [[1, 1]] },
    { name: 'gap filled: only the missing middle after a restart', ts: [60, 120, 180, 240], vs: [1, 2, 3, 4], watermark: 120, want: [[180, 3], [240, 4]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(newPoints({ timestamps: c.ts, values: c.vs }, c.watermark).map((p) => [p.timestamp, p.value]), c.want);
    });
  }
});
