import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode, TraceFlags, type HrTime, type SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { FlatSpan } from '../../orchestrator/traces/otlp-spans.ts';

/**
 * The OTLP/HTTP protobuf bodies the official exporter
 * (`@opentelemetry/exporter-trace-otlp-proto`, at its defaults: no gzip)
 * sends for each batch of synthetic spans. The exporter posts them to a
 * loopback server of this file that keeps the bytes; the bench then replays
 * those bytes to the receiver, so encoding is set-up and not timed, and the
 * bodies are exactly what a service's SDK would send.
 */

/** Whole microseconds (the generator's resolution) as the SDK's [seconds, nanoseconds]. */
function hrTime(ms: number): HrTime {
  const us = Math.round(ms * 1000);
  return [Math.floor(us / 1e6), (us % 1e6) * 1000];
}

function readable(s: FlatSpan, resource: Resource): ReadableSpan {
  const context = { traceId: s.traceId, spanId: s.spanId, traceFlags: TraceFlags.SAMPLED };
  return {
    name: s.name,
    // The API numbers kinds from INTERNAL = 0; OTLP from UNSPECIFIED = 0 (the serializer adds one).
    kind: (s.kind - 1) as SpanKind,
    spanContext: () => context,
    // The parent ran in another service: its context came over the wire.
    ...(s.parentSpanId ? { parentSpanContext: { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true } } : {}),
    startTime: hrTime(s.startMs),
    endTime: hrTime(s.startMs + s.durationMs),
    duration: hrTime(s.durationMs),
    status: { code: s.error ? SpanStatusCode.ERROR : SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: { name: s.service },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Each batch's protobuf body, in order, as the official exporter encodes and sends it. */
export async function protobufBodies(batches: readonly FlatSpan[][]): Promise<Uint8Array<ArrayBuffer>[]> {
  const bodies: Uint8Array<ArrayBuffer>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Copied into an ArrayBuffer of its own: the type fetch takes as a body.
      bodies.push(new Uint8Array(Buffer.concat(chunks)));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` });
  const resources = new Map<string, Resource>();
  const resourceOf = (service: string) => resources.get(service) ?? resources.set(service, resourceFromAttributes({ 'service.name': service })).get(service)!;
  try {
    for (const batch of batches) {
      // One export at a time, so the bodies come in the batches' order.
      const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(batch.map((s) => readable(s, resourceOf(s.service))), resolve));
      if (result.code !== 0) throw new Error(`the OTLP exporter failed to send a batch: ${result.error?.message ?? 'unknown'}`);
    }
  } finally {
    await exporter.shutdown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (bodies.length !== batches.length) throw new Error(`captured ${bodies.length} bodies for ${batches.length} batches`);
  return bodies;
}
