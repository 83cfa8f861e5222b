import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The sandbox fleet's call graph, frontend → checkout → payments, as spans
 * sent through the official OpenTelemetry SDK (a tracer provider and an
 * OTLP/HTTP protobuf exporter per service, as three processes would have)
 * to Homeostat's trace receiver. Each simulated minute gives its requests,
 * spread over the minute, with each service's own time and payments' error
 * share; a caller's span lasts its own time plus its callee's, as a
 * synchronous call would.
 */
export const CALL_GRAPH = ['frontend', 'checkout', 'payments'] as const;
export type CallGraphService = (typeof CALL_GRAPH)[number];

/** One simulated minute of the call graph. */
export interface CallGraphMinute {
  /** Start of the minute, ms since the epoch (simulated time). */
  readonly at: number;
  readonly requests: number;
  /** Time each service spends itself, ms (excluding what it waits for). */
  readonly selfMs: Readonly<Record<CallGraphService, number>>;
  /** Share of payments calls that fail, 0..1. */
  readonly paymentsErrorRate: number;
  /** The minute's real length, ms, over which its requests are spread (the sandbox's minute lasts 1 to 60 s); default 60000. */
  readonly minuteMs?: number;
}

/**
 * Payments' own time per call when it is well, ms: fixed, so that checkout's
 * own troubles (queueing under load, a bad release) stay checkout's time and
 * never show as a slower dependency.
 */
export const PAYMENTS_BASE_MS = 30;
/** Frontend's own time per request, ms. */
export const FRONTEND_SELF_MS = 20;
/** Requests traced per minute at most: sampled spans are enough for percentiles, and keep a 1-second minute cheap. */
export const TRACED_REQUESTS_PER_MINUTE = 20;

/**
 * The call graph's minute for the sandbox service's sample (checkout): its
 * p95 is checkout's span, payments' own time within it. Payments takes
 * {@link PAYMENTS_BASE_MS}; when the scenario slows that dependency, the
 * scenario's latency factor's rise is payments' time too, and checkout's
 * own time stays what it was. Pure.
 */
export function callGraphMinuteOf(sample: { requestCount: number; latencyP95: number }, latencyMultiplier: number, slowDependency: string | null, at: number, minuteMs: number): CallGraphMinute {
  const withoutFactor = sample.latencyP95 / Math.max(latencyMultiplier, 1e-9);
  const payments = Math.min(PAYMENTS_BASE_MS, withoutFactor / 2) + (slowDependency === 'payments' ? sample.latencyP95 - withoutFactor : 0);
  return {
    at,
    minuteMs,
    requests: Math.min(sample.requestCount, TRACED_REQUESTS_PER_MINUTE),
    selfMs: { frontend: FRONTEND_SELF_MS, checkout: Math.max(1, sample.latencyP95 - payments), payments: Math.max(1, payments) },
    paymentsErrorRate: 0,
  };
}

export interface FleetTraceOptions {
  /** The receiver, for example `http://127.0.0.1:8080/v1/traces`. */
  readonly url: string;
  /** The receiver's ingest token; none where the service runs with `auth: none`. */
  readonly token?: string;
  /** The stack every service runs in (`homeostat.stack` on its resource). */
  readonly stackKey?: string;
}

export function createFleetTraces(options: FleetTraceOptions) {
  const providers = CALL_GRAPH.map(
    (service) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, ...(options.stackKey ? { 'homeostat.stack': options.stackKey } : {}) }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.url, ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}) }), { maxExportBatchSize: 256, scheduledDelayMillis: 200 })],
      }),
  );
  const [frontend, checkout, payments] = providers.map((p, i) => p.getTracer(`homeostat-sandbox-${CALL_GRAPH[i]}`));

  /** Records the spans of one minute (sent in the background, in batches). */
  function emitMinute(m: CallGraphMinute): void {
    const failEvery = m.paymentsErrorRate > 0 ? Math.max(1, Math.round(1 / m.paymentsErrorRate)) : 0;
    for (let i = 0; i < m.requests; i++) {
      const at = m.at + Math.floor((i * (m.minuteMs ?? 60_000)) / Math.max(m.requests, 1));
      const payMs = m.selfMs.payments;
      const checkoutMs = m.selfMs.checkout + payMs;
      const frontendMs = m.selfMs.frontend + checkoutMs;
      const f = frontend!.startSpan('GET /buy', { kind: SpanKind.SERVER, startTime: at });
      const c = checkout!.startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: at + 1 }, trace.setSpan(context.active(), f));
      const p = payments!.startSpan('POST /charge', { kind: SpanKind.SERVER, startTime: at + 2 }, trace.setSpan(context.active(), c));
      if (failEvery && i % failEvery === 0) p.setStatus({ code: SpanStatusCode.ERROR });
      p.end(at + 2 + payMs);
      c.end(at + 1 + checkoutMs);
      f.end(at + frontendMs);
    }
  }

  return {
    emitMinute,
    /** Sends everything recorded so far. */
    flush: async () => void (await Promise.all(providers.map((p) => p.forceFlush()))),
    shutdown: async () => void (await Promise.all(providers.map((p) => p.shutdown()))),
  };
}

export type FleetTraces = ReturnType<typeof createFleetTraces>;
