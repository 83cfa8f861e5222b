import assert from 'node:assert/strict';
import type { AlarmsRequest, MetricDataRequest, MetricsReader } from '../../../orchestrator/telemetry/metrics-reader.ts';
import { createTelemetryPoller, type TelemetryEvent } from '../../../orchestrator/telemetry/telemetry-poller.ts';
import { createMemoryTelemetryStore } from '../../../orchestrator/telemetry/telemetry-store.ts';
import type { WatchedStack } from '../../../orchestrator/telemetry/series.ts';
import type { HealthSignal } from '../../../stacks/contract.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const sig = (id: string): HealthSignal => ({ id, namespace: 'N', metricName: id, dimensions: {}, stat: 'Average', period: 60, role: 'demand', higherIsWorse: true, resource: 'r' });

/** A reader serving every query the minutes in its window, split over pages of `perPage` points per query. */
function fakeReader(perPage = 1000, alarmPages: { name: string; state: string }[][] = []) {
  const calls: MetricDataRequest[] = [];
  const alarmCalls: AlarmsRequest[] = [];
  const reader: MetricsReader = {
    async getMetricData(req) {
      calls.push(req);
      const page = Number(req.nextToken ?? 0);
      const all: number[] = [];
      for (let t = req.startMs; t < req.endMs; t += MIN) all.push(t);
      const ts = all.slice(page * perPage, (page + 1) * perPage);
      const more = (page + 1) * perPage < all.length;
      return {
        results: req.queries.map((q) => ({ id: q.id, timestamps: ts, values: ts.map((t) => (t - T0) / MIN), status: more ? 'PartialData' : 'Complete', messages: [] })),
        ...(more ? { nextToken: String(page + 1) } : {}),
      };
    },
    async describeAlarms(req) {
      alarmCalls.push(req);
      const page = Number(req.nextToken ?? 0);
      const alarms = (alarmPages[page] ?? []).map((a) => ({ ...a, reason: 'r', updatedAt: 1 }));
      return { alarms, ...(page + 1 < alarmPages.length ? { nextToken: String(page + 1) } : {}) };
    },
  };
  return { reader, calls, alarmCalls };
}

describe('telemetry poller (fake CloudWatch)', () => {
  const stack: WatchedStack = { stackKey: 's', alarms: [], healthSignals: [sig('a'), sig('b')] };

  it('follows NextToken and merges a query across pages, emitting each minute once', async () => {
    const { reader, calls } = fakeReader(4);
    const events: TelemetryEvent[] = [];
    const p = createTelemetryPoller({ reader, store: createMemoryTelemetryStore(), stacks: [stack], onEvent: (e) => void events.push(e), now: () => T0 + 10 * MIN, options: { settleMs: 0, initialLookbackMs: 10 * MIN } });
    const s = await p.pollOnce();
    assert.equal(s.getMetricDataCalls, 3, 'ten minutes at four a page');
    assert.deepEqual(calls.map((c) => c.nextToken), [undefined, '1', '2']);
    const pts = events.flatMap((e) => (e.kind === 'points' ? e.points : []));
    assert.deepEqual(pts.filter((x) => x.signalId === 'a').map((x) => x.value), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(pts.length, 20);
  });

  it('commits nothing when the sink fails, so the points come again', async () => {
    const { reader } = fakeReader();
    const store = createMemoryTelemetryStore();
    let fail = true;
    const got: number[] = [];
    const p = createTelemetryPoller({
      reader, store, stacks: [stack], now: () => T0 + 3 * MIN, options: { settleMs: 0, initialLookbackMs: 3 * MIN },
      onEvent: (e) => {
        if (fail) throw new Error('consumer down');
        if (e.kind === 'points') got.push(...e.points.map((x) => x.value));
      },
    });
    await assert.rejects(p.pollOnce(), /consumer down/);
    assert.equal((await store.watermarks(['s|N|a||Average'])).size, 0);
    fail = false;
    await p.pollOnce();
    assert.deepEqual(got, [0, 1, 2, 0, 1, 2]);
    assert.deepEqual(await store.watermarks(['s|N|a||Average']), new Map([['s|N|a||Average', T0 + 2 * MIN]]));
  });

  it('records when the poll that read a series began, once its points are handed on: not when the hand-over failed, nor for a series CloudWatch refused', async () => {
    const { reader } = fakeReader();
    const refusing: MetricsReader = {
      ...reader,
      async getMetricData(req) {
        const out = await reader.getMetricData(req);
        return { results: out.results.map((r) => (r.id === req.queries.find((q) => q.seriesId === 's|N|b||Average')?.id ? { ...r, status: 'Forbidden', messages: ['no'] } : r)) };
      },
    };
    const store = createMemoryTelemetryStore();
    const ids = ['s|N|a||Average', 's|N|b||Average'];
    let clock = T0 + 3 * MIN;
    let fail = true;
    const p = createTelemetryPoller({
      reader: refusing, store, stacks: [stack], now: () => clock, options: { settleMs: 0, initialLookbackMs: 3 * MIN },
      onEvent: () => {
        clock += 5_000; // the hand-over takes time: the read time is the poll's start, not its end
        if (fail) throw new Error('consumer down');
      },
    });
    await assert.rejects(p.pollOnce(), /consumer down/);
    assert.equal((await store.readAt(ids)).size, 0);
    fail = false;
    const began = clock;
    await p.pollOnce();
    assert.deepEqual(await store.readAt(ids), new Map([['s|N|a||Average', began]]));
  });

  it('pages DescribeAlarms and reports only ALARM', async () => {
    const { reader, alarmCalls } = fakeReader(1000, [[{ name: 'x', state: 'ALARM' }], [{ name: 'y', state: 'OK' }, { name: 'z', state: 'ALARM' }]]);
    const events: TelemetryEvent[] = [];
    const p = createTelemetryPoller({ reader, store: createMemoryTelemetryStore(), stacks: [{ stackKey: 's', alarms: ['x', 'y', 'z'], healthSignals: [] }], onEvent: (e) => void events.push(e), now: () => T0 });
    await p.pollOnce();
    assert.equal(alarmCalls.length, 2);
    assert.deepEqual(alarmCalls[0]!.alarmNames, ['x', 'y', 'z']);
    const [e] = events;
    assert.ok(e?.kind === 'alarms');
    assert.deepEqual(e.alarms.map((a) => a.alarmName), ['x', 'z']);
  });

  it('keeps polling on its schedule after a failed poll, until stopped', async () => {
    let polls = 0;
    const errors: unknown[] = [];
    const reader: MetricsReader = {
      getMetricData: async () => {
        polls++;
        throw Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      },
      describeAlarms: async () => ({ alarms: [] }),
    };
    const p = createTelemetryPoller({ reader, store: createMemoryTelemetryStore(), stacks: [stack], onEvent: () => {}, onError: (e) => errors.push(e), now: () => T0 + 5 * MIN, options: { intervalMs: 5, settleMs: 0 } });
    p.start();
    await new Promise((r) => setTimeout(r, 60));
    await p.stop();
    assert.ok(polls >= 2, `${polls} polls`);
    assert.deepEqual(errors, [], 'a CloudWatch error is health, not a crash');
    assert.deepEqual(p.signalHealth().map((h) => [h.status, h.reason, h.error]), [['stale', 'Rejected', 'AccessDenied (HTTP 403): denied'], ['stale', 'Rejected', 'AccessDenied (HTTP 403): denied']]);
  });
});
