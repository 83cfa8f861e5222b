import { context, trace, SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Redis } from 'ioredis';
import type { HttpDeps } from '../../orchestrator/http/http-deps.ts';
import { createHttpServer, type HttpServer } from '../../orchestrator/http/http-server.ts';
import { createMetrics } from '../../orchestrator/http/metrics.ts';
import { createIntakeQueue, type IntakeQueue } from '../../orchestrator/intake/intake-queue.ts';
import { createDeployQueue, type DeployQueue } from '../../orchestrator/queue/deploy-queue.ts';
import { createRunStore } from '../../orchestrator/records/run-store.ts';
import { createSourceFetcher } from '../../orchestrator/source/source-fetcher.ts';

/**
 * The service's real HTTP server with no repositories, its queues and
 * stores on `redis` under `prefix`: what the trace receiver's tests and
 * bench:traces post OTLP bodies to. Not listening yet; the caller closes the
 * queues it returns.
 */
export function traceReceiverServer(redis: Redis, prefix: string, deps: Pick<HttpDeps, 'auth' | 'traces'>): { server: HttpServer; intake: IntakeQueue; deployQueue: DeployQueue } {
  const intake = createIntakeQueue(redis, prefix);
  const deployQueue = createDeployQueue(redis, prefix);
  const server = createHttpServer({
    repos: [],
    intake,
    deployQueue,
    store: createRunStore(redis, prefix),
    fetcher: createSourceFetcher({ dir: '/nonexistent' }),
    metrics: createMetrics(async () => ({ deploy: await deployQueue.counts() })),
    ready: async () => true,
    ...deps,
  });
  return { server, intake, deployQueue };
}

/**
 * One checkout → payments call at `at`, each service with its own official
 * OTLP protobuf exporter to `url`, flushed before it resolves.
 */
export async function sendOneCall(url: string, token: string, at: number): Promise<void> {
  const provider = (name: string) =>
    new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': name }), spanProcessors: [new BatchSpanProcessor(new ProtobufExporter({ url, headers: { authorization: `Bearer ${token}` } }))] });
  const [checkout, payments] = [provider('checkout'), provider('payments')];
  const c = checkout.getTracer('checkout').startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: at });
  payments.getTracer('payments').startSpan('POST /charge', { kind: SpanKind.SERVER, startTime: at + 2 }, trace.setSpan(context.active(), c)).end(at + 30);
  c.end(at + 40);
  await Promise.all([checkout.shutdown(), payments.shutdown()]);
}
