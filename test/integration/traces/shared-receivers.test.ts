import assert from 'node:assert/strict';
import { context, trace, SpanKind, SpanStatusCode, TraceFlags, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Redis } from 'ioredis';
import { Secret } from '../../../orchestrator/config/secret.ts';
import { listen, type HttpServer } from '../../../orchestrator/http/http-server.ts';
import type { IntakeQueue } from '../../../orchestrator/intake/intake-queue.ts';
import type { DeployQueue } from '../../../orchestrator/queue/deploy-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createReaderTurn } from '../../../orchestrator/runtime/reader-turn.ts';
import { createRedisTelemetryStore } from '../../../orchestrator/telemetry/redis-telemetry-store.ts';
import { SPAN_KIND } from '../../../orchestrator/traces/otlp-spans.ts';
import { createSharedTraceRunner, type SharedTraceRunner } from '../../../orchestrator/traces/shared-trace-runner.ts';
import { createTraceGraphStore } from '../../../orchestrator/traces/trace-graph-store.ts';
import { loadServiceConfig } from '../../../orchestrator/config/service-config.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { deleteKeys } from '../../support/redis-keys.ts';
import { sendOneCall, traceReceiverServer } from '../../support/trace-receiver.ts';
import { waitFor } from '../../support/wait.ts';
import { testServices, uniqueId } from '../../support/services.ts';

const MIN = 60_000;
const TOKEN = `ingest-${uniqueId('tok')}`;
const SERVICES = ['frontend', 'checkout', 'payments'] as const;

/** One `homeostat serve` process's share of the trace stage: its own Redis connection, HTTP server and reader turn. */
interface Receiver {
  redis: Redis;
  runner: SharedTraceRunner;
  server: HttpServer;
  intake: IntakeQueue;
  deployQueue: DeployQueue;
  url: string;
  warnings: string[];
}

/**
 * Two receivers on one Redis prefix, as two processes behind a load
 * balancer: the official OTLP exporters split the spans of every request
 * between them (each span's parent went to the other one), and the
 * figures and graph are still those of all the spans, closed once. No
 * engine runs here.
 */
describe('OTLP receivers in two processes, one Redis prefix', function () {
  const prefix = uniqueId('hs-tracefan');
  const t0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  let clock = t0;
  const receivers: Receiver[] = [];

  async function startReceiver(name: string): Promise<Receiver> {
    const redis = createRedis(testServices().redisUrl);
    const warnings: string[] = [];
    const turn = createReaderTurn(redis, { prefix, name: 'traces', owner: `${name}-${uniqueId('p')}` });
    const runner = createSharedTraceRunner({ redis, prefix, turn, onAnomalies: () => {}, onWarning: (m) => warnings.push(m), aggregator: { periodMs: MIN, stackOf: (s) => `shop/./${s}` }, settleMs: 15_000, now: () => clock });
    const { server, intake, deployQueue } = traceReceiverServer(redis, prefix, {
      auth: { mode: 'tokens', metrics: 'open', tokens: [] },
      traces: { token: new Secret(TOKEN), ingest: runner.ingest },
    });
    const address = await listen(server, '127.0.0.1', 0);
    return { redis, runner, server, intake, deployQueue, url: `http://127.0.0.1:${address.port}/v1/traces`, warnings };
  }

  before(async () => {
    receivers.push(await startReceiver('a'), await startReceiver('b'));
  });

  after(async () => {
    for (const r of receivers) {
      await r.server.close();
      await r.runner.release();
      await r.deployQueue.close();
      await r.intake.close();
    }
    await deleteKeys(receivers[0]!.redis, prefix);
    for (const r of receivers) await r.redis.quit();
  });

  /**
   * 40 requests frontend → checkout → payments, one second apart: request i's
   * span of service j goes to receiver (i + j) % 2, protobuf to one and JSON
   * to the other, so every child's parent is on the other process. Payments
   * takes 50 ms (every 10th fails). Plus one checkout span whose parent was
   * never sent.
   */
  async function sendSplitCallGraph(): Promise<void> {
    const exporters: (() => SpanExporter)[] = [
      () => new ProtobufExporter({ url: receivers[0]!.url, headers: { authorization: `Bearer ${TOKEN}` } }),
      () => new HttpJsonExporter({ url: receivers[1]!.url, headers: { authorization: `Bearer ${TOKEN}` } }),
    ];
    const providers = SERVICES.map((service) =>
      exporters.map((exporter) => new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new BatchSpanProcessor(exporter(), { maxExportBatchSize: 16, scheduledDelayMillis: 20 })] })),
    );
    const tracer = (j: number, i: number) => providers[j]![(i + j) % 2]!.getTracer(SERVICES[j]!);
    for (let i = 0; i < 40; i++) {
      const at = t0 + i * 1000;
      const f = tracer(0, i).startSpan('GET /buy', { kind: SpanKind.SERVER, startTime: at });
      const c = tracer(1, i).startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: at + 5 }, trace.setSpan(context.active(), f));
      const p: Span = tracer(2, i).startSpan('POST /charge', { kind: SpanKind.SERVER, startTime: at + 10 }, trace.setSpan(context.active(), c));
      if (i % 10 === 0) p.setStatus({ code: SpanStatusCode.ERROR });
      p.end(at + 60);
      c.end(at + 75);
      f.end(at + 90);
    }
    const lost = trace.wrapSpanContext({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: TraceFlags.SAMPLED, isRemote: true });
    tracer(1, 0).startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: t0 + 50_000 }, trace.setSpan(context.active(), lost)).end(t0 + 50_070);
    for (const p of providers.flat()) await p.shutdown();
  }

  const tickBoth = () => Promise.all(receivers.map((r) => r.runner.tick()));

  it('finds every caller → callee edge across the two, with the counts of all spans, and emits the period once', async () => {
    await sendSplitCallGraph();
    clock = t0 + MIN + 14_000;
    assert.deepEqual((await tickBoth()).map((t) => t.points), [0, 0], 'the period has not settled: a late span could still come');
    // Another process's newer (or damaged) field in the shared partial: left out and named, not a crash.
    await receivers[0]!.redis.hset(`${prefix}:traces:period:${t0}`, 'n ["s"', 'x');
    clock = t0 + MIN + 15_000;
    const ticks = await tickBoth();
    // 3 services x 4 figures, and 2 edges x 4 figures, from one of the two.
    assert.deepEqual(ticks.map((t) => t.points).sort(), [0, 20]);
    assert.equal(ticks.reduce((n, t) => n + t.unresolved, 0), 1, 'the span whose parent never came is counted unresolved');
    assert.match(receivers.flatMap((r) => r.warnings).join('\n'), /1 unreadable field\(s\) left out \(n \["s"\)/);

    const graph = (await createTraceGraphStore(receivers[0]!.redis, prefix).load())!;
    const edge = (caller: string, callee: string) => graph.edges.find((e) => e.caller === caller && e.callee === callee)?.points[0];
    const pay = edge('checkout', 'payments');
    assert.ok(pay, `no checkout → payments edge in ${JSON.stringify(graph.edges)}`);
    assert.equal(pay.requests, 40);
    assert.equal(pay.errorRate, 0.1);
    assert.ok(Math.abs(pay.p95! - 50) < 1, `p95 of payments ${pay.p95}`);
    assert.equal(edge('frontend', 'checkout')?.requests, 40);
    assert.deepEqual(graph.services.map((s) => [s.service, s.points[0]!.requests]).sort(), [['checkout', 41], ['frontend', 40], ['payments', 40]]);
    const p95 = `shop/./checkout|Homeostat/Traces|LatencyP95|Callee=payments,Caller=checkout|p95`;
    assert.equal((await createRedisTelemetryStore({ redis: receivers[0]!.redis, prefix }).detectorStates([p95])).get(p95)?.lastTimestamp, t0);
    assert.deepEqual(receivers.map((r) => r.runner.stats().repeated), [0, 0]);

    assert.deepEqual((await tickBoth()).map((t) => t.points), [0, 0], 'a closed period is not emitted again');
  });

  it('hands the closing on: the other process closes the next period, not the one already closed', async () => {
    // The one that closed the first period holds the graph it closed; the other never closed any.
    const reader = receivers.findIndex((r) => r.runner.graph().edges.length > 0);
    assert.ok(reader >= 0, 'one of the two closed the first period');
    await receivers[reader]!.runner.release();
    clock = t0 + 2 * MIN + 15_000;
    const other = receivers[1 - reader]!;
    const tick = await other.runner.tick();
    // A quiet period: a zero request count for each of 3 services and 2 edges, no made-up rates.
    assert.equal(tick.points, 5);
    const graph = other.runner.graph();
    assert.deepEqual(graph.edges.find((e) => e.callee === 'payments')!.points.map((p) => [p.timestamp - t0, p.requests]), [[0, 40], [MIN, 0]]);
  });

  it('attributes a child at once when another process already has its parent, and counts a retry sent elsewhere once', async () => {
    const at = t0 + 5 * MIN;
    const span = (spanId: string, service: string, parentSpanId?: string) => ({ traceId: 'ef'.repeat(16), spanId, service, name: service, kind: SPAN_KIND.server, startMs: at, durationMs: 12, error: false, ...(parentSpanId ? { parentSpanId } : {}) });
    await receivers[0]!.runner.ingest([span('0000000000000a01', 'checkout')]);
    const child = span('0000000000000a02', 'payments', '0000000000000a01');
    await receivers[1]!.runner.ingest([child]);
    await receivers[0]!.runner.ingest([child]);
    const redis = receivers[0]!.redis;
    assert.equal(await redis.llen(`${prefix}:traces:orphans:${at}`), 0, 'no orphan: the parent was found in the shared look-up');
    assert.equal(await redis.hget(`${prefix}:traces:period:${at}`, 'n ["e","checkout","payments"]'), '1');
    assert.equal(receivers[0]!.runner.stats().repeated, 1, 'the exporter\'s retry to the other process is not counted again');
  });

  it('keeps Redis bounded: services, edges and remembered spans past their caps are counted, and a span too late for its period too', async () => {
    const capped = `${prefix}-caps`;
    const redis = receivers[0]!.redis;
    const at = t0 + 7 * MIN;
    let now = at + MIN + 15_000;
    const runner = createSharedTraceRunner({ redis, prefix: capped, turn: createReaderTurn(redis, { prefix: capped, name: 'traces', owner: 'caps' }), onAnomalies: () => {}, aggregator: { periodMs: MIN, maxServices: 2, maxEdges: 1, recentSpans: 3, stackOf: (s) => `shop/./${s}` }, now: () => now });
    const span = (spanId: string, service: string, parentSpanId?: string) => ({ traceId: '12'.repeat(16), spanId, service, name: service, kind: SPAN_KIND.server, startMs: at, durationMs: 5, error: false, ...(parentSpanId ? { parentSpanId } : {}) });
    // Damaged by hand: a watermark that is not a number counts as absent, not as an error on every export.
    await redis.set(`${capped}:traces:closing`, 'soon');
    try {
      // Four services in a chain a → b → c → d: c and d are past the cap of 2 services, b → c and c → d past the cap of 1 edge, and d's span is not remembered (3 spans a period).
      await runner.ingest([span('00000000000000a1', 'a'), span('00000000000000b1', 'b', '00000000000000a1'), span('00000000000000c1', 'c', '00000000000000b1'), span('00000000000000d1', 'd', '00000000000000c1')]);
      assert.equal(runner.stats().unremembered, 1);
      const tick = await runner.tick();
      assert.equal(tick.dropped, 2 + 2, 'the spans of c and d, past the cap on services, and of b → c and c → d, past the cap on edges');
      assert.deepEqual(runner.graph().services.map((s) => s.service).sort(), ['a', 'b']);
      await runner.ingest([span('00000000000000e1', 'a')]);
      assert.equal(runner.stats().late, 1, 'its period was closed: counted, not added');
      now += MIN;
      assert.equal((await runner.tick()).points, 3, 'the next period: zero requests for a, b and a → b, and nothing of the late span');
    } finally {
      await runner.release();
      await deleteKeys(redis, capped);
    }
  });

  it('closes a period once even when its reader stopped after scoring it and before recording it closed', async () => {
    const crash = `${prefix}-crash`;
    const redis = receivers[0]!.redis;
    const at = t0 + 3 * MIN;
    const runnerOf = (owner: string) => createSharedTraceRunner({ redis, prefix: crash, turn: createReaderTurn(redis, { prefix: crash, name: 'traces', owner }), onAnomalies: () => {}, aggregator: { periodMs: MIN, stackOf: (s) => `shop/./${s}` }, now: () => at + MIN + 15_000 });
    const [first, second] = [runnerOf('first'), runnerOf('second')];
    const span = (i: number, service: string, parent?: string) => ({ traceId: '34'.repeat(16), spanId: `${service[0]}${String(i).padStart(15, '0')}`, service, name: service, kind: SPAN_KIND.server, startMs: at + i, durationMs: 20 + i, error: false, ...(parent ? { parentSpanId: parent } : {}) });
    try {
      await first.ingest(Array.from({ length: 10 }, (_, i) => [span(i, 'checkout'), span(i, 'payments', span(i, 'checkout').spanId)]).flat());
      const keys = [`${crash}:traces:period:${at}`, `${crash}:traces:closed`];
      const before = await redis.hgetall(keys[0]!);
      assert.equal((await first.tick()).points, 12);
      const p95 = `shop/./checkout|Homeostat/Traces|LatencyP95|Callee=payments,Caller=checkout|p95`;
      const states = createRedisTelemetryStore({ redis, prefix: crash });
      const scored = (await states.detectorStates([p95])).get(p95);
      assert.equal(scored?.lastTimestamp, at);
      // What Redis holds had the first reader stopped before recording the period closed: its partial, still listed, and no record.
      await redis.hset(keys[0]!, before);
      await redis.del(keys[1]!);
      await redis.zadd(`${crash}:traces:periods`, at, String(at));
      await first.release();
      assert.equal((await second.tick()).points, 12, 'the second reader closes the period again');
      assert.deepEqual((await states.detectorStates([p95])).get(p95), scored, 'and the detector, which had learnt the period, does not learn it twice');
      assert.deepEqual(second.graph().edges[0]!.points.map((p) => [p.timestamp, p.requests]), [[at, 10]], 'nor does the graph hold it twice');
    } finally {
      await second.release();
      await deleteKeys(redis, crash);
    }
  });
});

/** `traces.shared` wired in the service: its receiver adds to the shared partials, and it takes the `traces` reader turn and hands it on at stop. */
describe('OTLP/HTTP trace receiver in the service, with traces.shared', function () {
  let fx: GitopsFixture;
  let service: RunningService | undefined;
  let redis: Redis;

  before(async () => {
    fx = await createGitopsFixture();
    redis = createRedis(testServices().redisUrl);
  });
  after(async () => {
    await service?.stop();
    await redis?.quit();
    await fx?.cleanup();
  });

  it('closes the shared periods and saves the graph, and hands the turn on when it stops', async () => {
    const env = { ...fx.env, TEST_TRACE_TOKEN: TOKEN };
    const config = loadServiceConfig({ ...fx.configDoc, traces: { enabled: true, shared: true, ingestToken: { env: 'TEST_TRACE_TOKEN' }, periodSeconds: 10, settleSeconds: 0, services: { checkout: 'shop/./checkout' } } }, env);
    service = await startService(config, { workers: false });
    await sendOneCall(`${service!.url}/v1/traces`, TOKEN, Date.now() - MIN);
    const graph = await waitFor('the trace graph in Redis', () => createTraceGraphStore(redis, fx.prefix).load(), 30_000, 250);
    assert.deepEqual(graph.edges.map((e) => [e.caller, e.callee, e.points.reduce((n, p) => n + p.requests, 0)]), [['checkout', 'payments', 1]]);
    assert.ok(await redis.exists(`${fx.prefix}:lock:reader:traces`), 'the service holds the traces reader turn');
    await service.stop();
    service = undefined;
    assert.equal(await redis.exists(`${fx.prefix}:lock:reader:traces`), 0, 'handed on at stop, not a lease later');
  });
});
