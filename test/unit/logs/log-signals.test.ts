import assert from 'node:assert/strict';
import { createLogSignals, isErrorLine, redactLine } from '../../../orchestrator/logs/log-signals.ts';
import type { LogEventsBatch } from '../../../orchestrator/logs/log-poller.ts';
import type { LogEvent } from '../../../orchestrator/logs/log-watermark.ts';
import { createAnomalyStage } from '../../../orchestrator/telemetry/anomaly-stage.ts';
import { createMemoryTelemetryStore } from '../../../orchestrator/telemetry/telemetry-store.ts';
import type { Anomaly } from '../../../orchestrator/telemetry/anomaly.ts';
import { prng } from '../../support/seeded-random.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const batch = (events: LogEvent[]): LogEventsBatch => ({ stackKey: 'infra/./web', logGroupId: 'app', group: '/ecs/web', events });

/** Minutes of ordinary traffic: requests of a few users, seeded; `extra(minute)` adds lines. */
function traffic(minutes: number, extra: (minute: number) => string[] = () => []): LogEvent[][] {
  const rnd = prng(7);
  let id = 0;
  return Array.from({ length: minutes }, (_, m) => {
    const lines = [
      ...Array.from({ length: 40 + Math.floor(rnd() * 10) }, () => `GET /orders/${Math.floor(rnd() * 9000)} 200 in ${Math.floor(rnd() * 90)} ms`),
      ...Array.from({ length: 5 + Math.floor(rnd() * 3) }, () => `cache refresh for tenant ${Math.floor(rnd() * 50)} done`),
      ...extra(m),
    ];
    return lines.map((message, i) => ({ logStreamName: 'web-1', eventId: String(id++), timestamp: T0 + m * MIN + i * 100, message }));
  });
}

describe('log signals', () => {
  it('tells error-level lines by their level, not by a word in the text', () => {
    assert.ok(isErrorLine('2026-01-01 ERROR payment declined'));
    assert.ok(isErrorLine('{"level":"error","msg":"x"}'));
    assert.ok(isErrorLine('java.lang.NullPointerException at Foo.bar'));
    assert.ok(!isErrorLine('GET /errors 200'));
    assert.ok(!isErrorLine('retrying after error budget check'));
  });

  it('redacts secrets from the lines it keeps', () => {
    assert.equal(redactLine('login ok password=hunter22 user=bob'), 'login ok password=[redacted] user=bob');
    assert.equal(redactLine('calling with Authorization: Bearer abcdefghijklmnop'), 'calling with Authorization: Bearer [redacted]');
    assert.doesNotMatch(redactLine('key AKIAABCDEFGHIJKLMNOP used'), /AKIA/);
  });

  it('counts frequent templates and error lines per period, zeros included, once each period is over', () => {
    const signals = createLogSignals();
    for (const b of traffic(3)) signals.ingest(batch(b));
    const points = signals.flush(T0 + 2 * MIN - 1);
    assert.deepEqual([...new Set(points.map((p) => p.timestamp))], [T0, T0 + MIN], 'the third minute is not over');
    const orders = points.filter((p) => p.signalId !== 'logs-app-errors' && p.timestamp === T0);
    assert.equal(orders.length, 1, 'only the frequent template has a series by then');
    assert.ok(orders[0]!.value >= 40);
    assert.match(orders[0]!.seriesId, /^infra\/\.\/web\|Homeostat\/Logs\|TemplateLines\|LogGroup=\/ecs\/web,Template=t[0-9a-f]{16}\|Sum$/);
    assert.deepEqual(points.filter((p) => p.signalId === 'logs-app-errors').map((p) => p.value), [0, 0]);
    assert.deepEqual(signals.flush(T0 + 2 * MIN - 1), [], 'a period is flushed once');
    // A restarted process mines afresh; its series are the same ones, so each detector state stays with its template.
    const restarted = createLogSignals();
    for (const b of traffic(3)) restarted.ingest(batch(b));
    assert.deepEqual(restarted.flush(T0 + 2 * MIN - 1).map((p) => p.seriesId), points.map((p) => p.seriesId));
  });

  it('reports a new template once after the warm-up, with a redacted line, and the detector flags the error burst', async () => {
    const signals = createLogSignals();
    const anomalies: Anomaly[] = [];
    const stage = createAnomalyStage({ store: createMemoryTelemetryStore(), onAnomalies: (a) => void anomalies.push(...a) });
    // The detector warms up on 150 points: 160 quiet minutes (an ordinary error now and then), then a burst of a new error.
    const burst = (m: number): string[] =>
      m >= 160 ? Array.from({ length: 30 }, (_, i) => `ERROR charge ${i} failed: upstream payments timeout token=s3cr3t${i}`) : m % 13 === 0 ? ['ERROR cache refresh for tenant 4 slow'] : [];
    const fresh = [];
    for (const [m, b] of traffic(166, burst).entries()) {
      fresh.push(...signals.ingest(batch(b)));
      await stage.handlePoints(signals.flush(T0 + m * MIN - 1));
    }
    assert.equal(fresh.length, 1, 'one new template, reported once');
    assert.equal(fresh[0]!.template, 'ERROR charge <*> failed: upstream payments timeout token=<*>');
    assert.ok(fresh[0]!.at >= T0 + 160 * MIN && fresh[0]!.at < T0 + 161 * MIN);
    assert.doesNotMatch(fresh[0]!.line, /s3cr3t/);
    const errorAnomalies = anomalies.filter((a) => a.signalId === 'logs-app-errors');
    assert.ok(errorAnomalies.length >= 1, `the error burst is an anomaly: ${JSON.stringify(anomalies)}`);
    assert.equal(errorAnomalies[0]!.timestamp, T0 + 160 * MIN);
    assert.ok(anomalies.every((a) => a.timestamp >= T0 + 160 * MIN), 'ordinary traffic raises none');
    const samples = signals.samples('infra/./web', '/ecs/web', fresh[0]!.templateId);
    assert.equal(samples.length, 3);
    for (const line of samples) assert.match(line, /token=\[redacted\]/);
  });
});
