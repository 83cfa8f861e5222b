import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
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
import type { FlatSpan } from '../../../orchestrator/traces/otlp-spans.ts';
import { createSpanAggregator, type SpanAggregator } from '../../../orchestrator/traces/span-aggregator.ts';
import { tracePoints } from '../../../orchestrator/traces/trace-signals.ts';
import { createTraceRunner } from '../../../orchestrator/traces/trace-runner.ts';
import { createTraceGraphStore } from '../../../orchestrator/traces/trace-graph-store.ts';
import { createRedisTelemetryStore } from '../../../orchestrator/telemetry/redis-telemetry-store.ts';
import { loadServiceConfig } from '../../../orchestrator/config/service-config.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { waitFor } from '../../support/wait.ts';
import { createFleetTraces } from '../../../sandbox/fleet-traces.ts';
import { deleteKeys } from '../../support/redis-keys.ts';
import { sendOneCall, traceReceiverServer } from '../../support/trace-receiver.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { TEST_PRINCIPALS, TEST_TOKENS } from '../../support/test-tokens.ts';

const MIN = 60_000;
const INGEST_TOKEN = `ingest-${uniqueId('tok')}`;

/**
 * The OTLP/HTTP receiver on the service's real HTTP server (token auth on,
 * as in production), fed over loopback by the official OpenTelemetry SDK
 * exporters from this test process: three services, frontend → checkout →
 * payments, each its own tracer provider and exporter, as three processes
 * would be. No engine runs here.
 */
describe('OTLP/HTTP trace receiver', function () {
  let redis: Redis;
  let prefix: string;
  let server: HttpServer;
  let intake: IntakeQueue;
  let deployQueue: DeployQueue;
  let url: string;
  let aggregator: SpanAggregator;
  /** Where the receiver's spans go: the aggregator, or a trace runner. */
  let sink: (spans: readonly FlatSpan[]) => void;
  const received: FlatSpan[][] = [];

  before(async () => {
    prefix = uniqueId('hs-otlp');
    redis = createRedis(testServices().redisUrl);
    ({ server, intake, deployQueue } = traceReceiverServer(redis, prefix, {
      auth: { mode: 'tokens', metrics: 'open', tokens: Object.entries(TEST_PRINCIPALS).map(([name, role]) => ({ name, role, token: new Secret(TEST_TOKENS[name]!) })) },
      traces: {
        token: new Secret(INGEST_TOKEN),
        maxBytes: 256 * 1024,
        ingest: (spans) => {
          received.push([...spans]);
          sink(spans);
        },
      },
    }));
    const address = await listen(server, '127.0.0.1', 0);
    url = `http://127.0.0.1:${address.port}/v1/traces`;
  });

  after(async () => {
    await server?.close();
    await deployQueue?.close();
    await intake?.close();
    await deleteKeys(redis, prefix);
    await redis?.quit();
  });

  beforeEach(() => {
    aggregator = createSpanAggregator({ periodMs: MIN, stackOf: (service) => `shop/./${service}` });
    sink = (spans) => aggregator.ingest(spans);
    received.length = 0;
  });

  /**
   * 40 requests through frontend → checkout → payments, one second apart from
   * `t0`: payments takes 50 ms (every 10th fails), checkout 70 ms, frontend 90 ms.
   */
  async function sendCallGraph(exporterOf: () => SpanExporter, t0: number): Promise<void> {
    const providers = ['frontend', 'checkout', 'payments'].map(
      (service) => new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new BatchSpanProcessor(exporterOf(), { maxExportBatchSize: 64, scheduledDelayMillis: 50 })] }),
    );
    const [frontend, checkout, payments] = providers.map((p, i) => p.getTracer(['frontend', 'checkout', 'payments'][i]!));
    for (let i = 0; i < 40; i++) {
      const at = t0 + i * 1000;
      const f = frontend!.startSpan('GET /buy', { kind: SpanKind.SERVER, startTime: at });
      const c = checkout!.startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: at + 5 }, trace.setSpan(context.active(), f));
      const p: Span = payments!.startSpan('POST /charge', { kind: SpanKind.SERVER, startTime: at + 10 }, trace.setSpan(context.active(), c));
      if (i % 10 === 0) p.setStatus({ code: SpanStatusCode.ERROR });
      p.end(at + 60);
      c.end(at + 75);
      f.end(at + 90);
    }
    for (const p of providers) await p.shutdown();
  }

  function assertFigures(t0: number): void {
    const closed = aggregator.flush(t0 + MIN);
    const edge = (caller: string, callee: string) => closed.find((c) => c.edge?.caller === caller && c.edge.callee === callee)?.figures;
    const pay = edge('checkout', 'payments');
    assert.ok(pay, `no checkout → payments edge in ${JSON.stringify(closed.map((c) => c.service ?? c.edge))}`);
    assert.equal(pay.requests, 40);
    assert.equal(pay.errorRate, 0.1);
    assert.ok(Math.abs(pay.p95! - 50) < 1, `p95 of payments ${pay.p95}`);
    assert.equal(edge('frontend', 'checkout')!.requests, 40);
    assert.ok(Math.abs(closed.find((c) => c.service === 'frontend')!.figures.p50! - 90) < 1.5);
    const points = tracePoints(closed);
    assert.ok(points.some((p) => p.signalId === 'traces-checkout>payments-p95' && p.stackKey === 'shop/./checkout'));
  }

  it('takes protobuf from the official exporter, gzipped, and the aggregated figures come out', async () => {
    const t0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    await sendCallGraph(() => new ProtobufExporter({ url, headers: { authorization: `Bearer ${INGEST_TOKEN}` }, compression: 'gzip' as never }), t0);
    assert.equal(received.flat().length, 120);
    assertFigures(t0);
  });

  it('takes JSON from the official exporter, and the same figures come out', async () => {
    const t0 = Math.floor(Date.now() / MIN) * MIN - 20 * MIN;
    await sendCallGraph(() => new HttpJsonExporter({ url, headers: { authorization: `Bearer ${INGEST_TOKEN}` } }), t0);
    assert.equal(received.flat().length, 120);
    assertFigures(t0);
  });

  it('feeds the figures, once their period has settled, to the detector as series of their own', async () => {
    const t0 = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
    let clock = t0 + MIN;
    const runner = createTraceRunner({ redis, prefix, onAnomalies: () => {}, aggregator: { periodMs: MIN, stackOf: (service) => `shop/./${service}` }, settleMs: 15_000, now: () => clock });
    sink = runner.ingest;
    await sendCallGraph(() => new ProtobufExporter({ url, headers: { authorization: `Bearer ${INGEST_TOKEN}` } }), t0);
    assert.equal((await runner.tick()).points, 0, 'the period is not settled yet: a late span could still come');
    clock = t0 + MIN + 15_000;
    const tick = await runner.tick();
    // 3 services x 4 figures, and 2 edges x 4 figures.
    assert.equal(tick.points, 20);
    const p95 = `shop/./checkout|Homeostat/Traces|LatencyP95|Callee=payments,Caller=checkout|p95`;
    const stored = await createRedisTelemetryStore({ redis, prefix }).detectorStates([p95]);
    assert.equal(stored.get(p95)?.lastTimestamp, t0, 'the detector of the edge p95 learnt the period');
    const graph = await createTraceGraphStore(redis, prefix).load();
    assert.deepEqual(graph?.edges.map((e) => `${e.caller}>${e.callee}`).sort(), ['checkout>payments', 'frontend>checkout'], 'the graph is in Redis for the correlate worker');
    assert.equal(graph.services.find((s) => s.service === 'payments')?.stackKey, 'shop/./payments');
  });

  it('reads the sandbox fleet\'s call graph: a payments slowdown shows on its edge and on checkout, not in checkout\'s own time', async () => {
    const t0 = Math.floor(Date.now() / MIN) * MIN - 40 * MIN;
    const fleet = createFleetTraces({ url, token: INGEST_TOKEN, stackKey: 'infra/./sandbox' });
    const selfMs = { frontend: 20, checkout: 30, payments: 40 };
    fleet.emitMinute({ at: t0, requests: 60, selfMs, paymentsErrorRate: 0 });
    fleet.emitMinute({ at: t0 + MIN, requests: 60, selfMs: { ...selfMs, payments: 400 }, paymentsErrorRate: 0.05 });
    await fleet.shutdown();
    const closed = aggregator.flush(t0 + 2 * MIN);
    const p95 = (who: (c: (typeof closed)[number]) => boolean, minute: number) => closed.find((c) => who(c) && c.figures.timestamp === t0 + minute * MIN)!.figures.p95!;
    const edge = (c: (typeof closed)[number]) => c.edge?.caller === 'checkout' && c.edge.callee === 'payments';
    const checkout = (c: (typeof closed)[number]) => c.service === 'checkout';
    assert.ok(Math.abs(p95(edge, 0) - 40) < 1 && Math.abs(p95(edge, 1) - 400) < 7, `edge p95 ${p95(edge, 0)} → ${p95(edge, 1)}`);
    assert.ok(Math.abs(p95(checkout, 1) - p95(checkout, 0) - 360) < 10, 'checkout slowed by exactly what payments did');
    assert.equal(closed.find((c) => edge(c) && c.figures.timestamp === t0 + MIN)!.figures.errorRate, 3 / 60);
    assert.ok(closed.every((c) => c.stackKey === 'infra/./sandbox'), 'the services name their stack themselves');
  });

  it('refuses spans without the ingest token, and an API token is not one', async () => {
    const post = (authorization?: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{}' });
    const none = await post();
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as { error: string }).error, /Bearer <trace ingest token>/);
    const api = await post(`Bearer ${TEST_TOKENS.admin}`);
    assert.equal(api.status, 401);
    const body = await api.text();
    assert.match(body, /wrong trace ingest token/);
    assert.ok(!body.includes(INGEST_TOKEN) && !body.includes(TEST_TOKENS.admin!), 'no token in the answer');
    assert.equal(received.length, 0);
  });

  it('answers a bad body with a 400 naming what is wrong, and takes in nothing', async () => {
    const send = async (body: Buffer | string, contentType: string, encoding?: string) => {
      const payload = typeof body === 'string' ? body : new Uint8Array(body);
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) }, body: payload });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    const span = { traceId: 'zz', spanId: '0123456789abcdef', startTimeUnixNano: '1', endTimeUnixNano: '2' };
    const cases: [Promise<{ status: number; error: string }>, number, RegExp][] = [
      [send(Buffer.from([0x0a, 0xff, 0xff, 0xff]), 'application/x-protobuf'), 400, /not a protobuf ExportTraceServiceRequest/],
      [send('{"resourceSpans": [', 'application/json'), 400, /not JSON/],
      [send(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }), 'application/json'), 400, /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: /],
      [send(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...span, traceId: '0'.repeat(32) }] }] }] }), 'application/json'), 400, /resourceSpans\[0\]\.resource\.attributes: no service\.name/],
      [send('not gzip at all', 'application/json', 'gzip'), 400, /not valid gzip/],
      [send('{}', 'application/json', 'br'), 415, /Content-Encoding br/],
      [send('hello', 'text/plain'), 415, /Content-Type must be application\/x-protobuf or application\/json \(got text\/plain\)/],
      [send(Buffer.alloc(300 * 1024, 0x20), 'application/json'), 413, /larger than the limit of 262144 bytes/],
      [send(gzipSync(Buffer.alloc(17 * 1024 * 1024, 0x20)), 'application/json', 'gzip'), 413, /once gunzipped/],
    ];
    for (const [answer, status, error] of cases) {
      const got = await answer;
      assert.equal(got.status, status, got.error);
      assert.match(got.error, error);
    }
    assert.equal(received.length, 0);
  });
});

/**
 * The same receiver as the service starts it from its config (`traces`
 * section, HTTP only, no workers, so no engine runs): spans in, and after a
 * tick the service graph is in Redis, where the correlate worker reads it.
 */
describe('OTLP/HTTP trace receiver in the service', function () {
  let fx: GitopsFixture;
  let service: RunningService | undefined;

  before(async () => {
    fx = await createGitopsFixture();
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
  });

  it('receives spans on /v1/traces and saves the graph for the correlate worker', async () => {
    const env = { ...fx.env, TEST_TRACE_TOKEN: INGEST_TOKEN };
    const config = loadServiceConfig({ ...fx.configDoc, traces: { enabled: true, ingestToken: { env: 'TEST_TRACE_TOKEN' }, periodSeconds: 10, settleSeconds: 0, services: { checkout: 'shop/./checkout', payments: 'shop/./payments' } } }, env);
    service = await startService(config, { workers: false });
    // A minute ago: its period is closed and settled at the first tick.
    await sendOneCall(`${service!.url}/v1/traces`, INGEST_TOKEN, Date.now() - MIN);
    const redis = createRedis(testServices().redisUrl);
    try {
      const graph = await waitFor('the trace graph in Redis', () => createTraceGraphStore(redis, fx.prefix).load(), 30_000, 250);
      assert.deepEqual(graph.edges.map((e) => [e.caller, e.callee, e.points.reduce((n, p) => n + p.requests, 0)]), [['checkout', 'payments', 1]]);
      assert.equal(graph.periodMs, 10_000);
    } finally {
      await redis.quit();
    }
  });
});
