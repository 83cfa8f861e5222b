import assert from 'node:assert/strict';
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { createCloudWatchReader } from '../../../orchestrator/telemetry/cloudwatch-reader.ts';
import { createRedisTelemetryStore } from '../../../orchestrator/telemetry/redis-telemetry-store.ts';
import { createTelemetryPoller, type TelemetryPollerDeps } from '../../../orchestrator/telemetry/telemetry-poller.ts';
import type { WatchedStack } from '../../../orchestrator/telemetry/series.ts';
import { MIN, collector, injectFault, serviceError, telemetryFixture } from './fixture.ts';

describe('CloudWatch ingestion (moto, Redis)', function () {
  this.timeout(30_000);
  let fx: ReturnType<typeof telemetryFixture>;
  beforeEach(() => {
    fx = telemetryFixture();
  });
  afterEach(() => fx.cleanup());

  /** A poller whose clock reads `base + minute`, reading complete minutes (no settle delay), retrying without waiting. */
  function poller(stack: WatchedStack, minute: () => number, sink: TelemetryPollerDeps['onEvent'], options: TelemetryPollerDeps['options'] = {}) {
    return createTelemetryPoller({
      reader: createCloudWatchReader({ client: fx.cw }),
      store: createRedisTelemetryStore({ redis: fx.redis, prefix: fx.prefix }),
      stacks: [stack],
      onEvent: sink,
      now: () => fx.base + minute() * MIN,
      sleep: async () => {},
      random: () => 0.5,
      options: { settleMs: 0, initialLookbackMs: 120 * MIN, ...options },
    });
  }

  it('polls in batches, returns each point once, in time order per series', async () => {
    const stack: WatchedStack = { stackKey: 'infra/./web', alarms: [], healthSignals: ['a', 'b', 'c'].map((s) => fx.signal(s)) };
    for (const m of ['a', 'b', 'c']) await fx.put(m, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], (i) => i * 10);
    const out = collector();
    const p = poller(stack, () => 10, out.sink, { maxQueriesPerCall: 2 });
    const first = await p.pollOnce();
    assert.equal(first.getMetricDataCalls, 2, 'three series at two per call');
    assert.equal(first.points, 30);
    for (const sig of ['a', 'b', 'c']) {
      const pts = out.points().filter((x) => x.signalId === sig);
      assert.deepEqual(pts.map((x) => x.timestamp), Array.from({ length: 10 }, (_, i) => fx.base + i * MIN));
      assert.deepEqual(pts.map((x) => x.value), Array.from({ length: 10 }, (_, i) => i * 10));
      assert.equal(pts[0]!.stackKey, 'infra/./web');
      assert.equal(pts[0]!.seriesId, `infra/./web|${fx.namespace}|${sig}|Test=${fx.id}|Average`);
    }
    out.clear();
    const second = await p.pollOnce();
    assert.equal(second.points, 0, 'nothing new: nothing emitted');
    assert.deepEqual(out.points(), []);
    assert.deepEqual(p.signalHealth().map((h) => h.status), ['ok', 'ok', 'ok']);
  });

  it('after a restart (new poller, same store) returns only new points', async () => {
    const stack: WatchedStack = { stackKey: 's', alarms: [], healthSignals: [fx.signal('cpu')] };
    await fx.put('cpu', [0, 1, 2, 3, 4]);
    const before = collector();
    await poller(stack, () => 5, before.sink).pollOnce();
    assert.deepEqual(before.points().map((x) => x.value), [0, 1, 2, 3, 4]);

    await fx.put('cpu', [5, 6, 7]);
    const after = collector();
    const restarted = poller(stack, () => 8, after.sink);
    await restarted.pollOnce();
    assert.deepEqual(after.points().map((x) => x.value), [5, 6, 7]);
    // When the last poll that read the series began: a remediation's verification waits for it to pass the apply.
    const seriesId = `s|${fx.namespace}|cpu|Test=${fx.id}|Average`;
    assert.deepEqual(await createRedisTelemetryStore({ redis: fx.redis, prefix: fx.prefix }).readAt([seriesId]), new Map([[seriesId, fx.base + 8 * MIN]]));
  });

  it('fills the gap left while it was down, without duplicates', async () => {
    const stack: WatchedStack = { stackKey: 's', alarms: [], healthSignals: [fx.signal('cpu'), fx.signal('mem')] };
    await fx.put('cpu', [0, 1, 2]);
    await fx.put('mem', [0, 1, 2]);
    const out = collector();
    let minute = 3;
    await poller(stack, () => minute, out.sink).pollOnce();
    // Down for 40 minutes; data kept arriving (mem with holes of its own).
    await fx.put('cpu', Array.from({ length: 40 }, (_, i) => 3 + i));
    await fx.put('mem', [10, 20, 30, 42]);
    minute = 43;
    await poller(stack, () => minute, out.sink).pollOnce();
    const ts = (sig: string) => out.points().filter((x) => x.signalId === sig).map((x) => (x.timestamp - fx.base) / MIN);
    assert.deepEqual(ts('cpu'), Array.from({ length: 43 }, (_, i) => i));
    assert.deepEqual(ts('mem'), [0, 1, 2, 10, 20, 30, 42]);
    // Polling again over the same clock changes nothing.
    out.clear();
    await poller(stack, () => minute, out.sink).pollOnce();
    assert.deepEqual(out.points(), []);
  });

  it('reports the stack alarms that are in ALARM state', async () => {
    const names = [`${fx.id}-high-cpu`, `${fx.id}-errors`, `${fx.id}-latency`];
    for (const name of names) {
      await fx.cw.send(new PutMetricAlarmCommand({
        AlarmName: name, Namespace: fx.namespace, MetricName: 'cpu', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 90, ComparisonOperator: 'GreaterThanThreshold',
      }));
    }
    await fx.cw.send(new SetAlarmStateCommand({ AlarmName: names[0]!, StateValue: 'ALARM', StateReason: 'injected by the test' }));
    await fx.cw.send(new SetAlarmStateCommand({ AlarmName: names[1]!, StateValue: 'OK', StateReason: 'fine' }));
    const out = collector();
    const p = poller({ stackKey: 'infra/./web', alarms: names, healthSignals: [] }, () => 10, out.sink);
    const summary = await p.pollOnce();
    assert.equal(summary.describeAlarmsCalls, 1);
    const alarms = out.events.filter((e) => e.kind === 'alarms');
    assert.equal(alarms.length, 1);
    const [event] = alarms;
    assert.ok(event && event.kind === 'alarms');
    assert.deepEqual(event.alarms.map((a) => [a.stackKey, a.alarmName, a.state, a.reason]), [['infra/./web', names[0], 'ALARM', 'injected by the test']]);
    assert.deepEqual(p.alarmHealth().map((h) => h.status), ['ok']);
  });

  it('retries a throttled call; the retry is served by moto', async () => {
    const stack: WatchedStack = { stackKey: 's', alarms: [], healthSignals: [fx.signal('cpu')] };
    await fx.put('cpu', [0, 1, 2]);
    let throttles = 1;
    injectFault(fx.cw, 'GetMetricDataCommand', () => throttles-- > 0, () => serviceError('Throttling', 400, 'Rate exceeded'));
    const out = collector();
    const p = poller(stack, () => 3, out.sink);
    const summary = await p.pollOnce();
    assert.equal(summary.retries, 1);
    assert.equal(summary.getMetricDataCalls, 2);
    assert.deepEqual(out.points().map((x) => x.value), [0, 1, 2]);
    assert.equal(p.signalHealth()[0]!.status, 'ok');
  });

  it('marks signals stale on a persistent error, with the error text, and recovers', async () => {
    const stack: WatchedStack = { stackKey: 's', alarms: [], healthSignals: [fx.signal('cpu'), fx.signal('mem')] };
    await fx.put('cpu', [0, 1, 2]);
    let broken = true;
    injectFault(fx.cw, 'GetMetricDataCommand', () => broken, () => serviceError('InternalFailure', 500, 'Request failed, Credential=AKIAIOSFODNN7EXAMPLE/x'));
    const out = collector();
    const p = poller(stack, () => 3, out.sink, { backoff: { maxAttempts: 3 } });
    const summary = await p.pollOnce();
    assert.equal(summary.getMetricDataCalls, 3, 'bounded retries');
    assert.equal(summary.staleSignals, 2);
    for (const h of p.signalHealth()) {
      assert.equal(h.status, 'stale');
      assert.equal(h.reason, 'SourceUnavailable');
      assert.match(h.error!, /^InternalFailure \(HTTP 500\): Request failed, Credential=\[redacted\]/);
      assert.ok(!h.error!.includes('AKIA'));
    }
    assert.deepEqual(out.points(), [], 'nothing emitted, nothing committed');
    broken = false;
    await p.pollOnce();
    assert.deepEqual(p.signalHealth().map((h) => h.status), ['ok', 'ok']);
    assert.deepEqual(out.points().map((x) => x.value), [0, 1, 2], 'the missed points come on the next poll');
  });

  it('isolates a query the API rejects: only that signal goes stale', async () => {
    const signals = ['a', 'b', 'c', 'broken', 'd'].map((s) => fx.signal(s));
    await fx.put('a', [0, 1]);
    await fx.put('d', [0, 1]);
    const rejects = (input: Record<string, unknown>) => JSON.stringify(input.MetricDataQueries).includes('"MetricName":"broken"');
    injectFault(fx.cw, 'GetMetricDataCommand', rejects, () => serviceError('InvalidParameterValue', 400, 'The value Bogus for parameter MetricDataQueries.member.1.MetricStat.Stat is invalid.'));
    const out = collector();
    const p = poller({ stackKey: 's', alarms: [], healthSignals: signals }, () => 2, out.sink);
    await p.pollOnce();
    assert.deepEqual(p.signalHealth().map((h) => [h.signalId, h.status, h.reason]), [
      ['a', 'ok', undefined], ['b', 'ok', undefined], ['c', 'ok', undefined], ['broken', 'stale', 'InvalidQuery'], ['d', 'ok', undefined],
    ]);
    assert.deepEqual(out.points().map((x) => `${x.signalId}${x.value}`).sort(), ['a0', 'a1', 'd0', 'd1']);
  });
});
