import { z } from 'zod';
// The protobuf classes generated from the official opentelemetry-proto files, as the OpenTelemetry
// JS project shipped them (otlp-transformer 0.216.0, the last release with a decoder; later ones
// only encode). Decoding is in memory, so this file stays pure.
import otlpRoot from 'otlp-generated-root/build/src/generated/root.js';

/**
 * OTLP trace export requests (`ExportTraceServiceRequest`) read into the
 * flat spans the aggregator needs. Protobuf bodies are decoded by the
 * official generated classes; JSON bodies follow the OTLP/JSON mapping
 * (lowerCamelCase names, hex ids, 64-bit integers as strings or numbers).
 * Both go through one zod schema, so a bad body is refused with the path
 * of the field that is wrong. Pure.
 */

/** Span kinds as OTLP numbers them. */
export const SPAN_KIND = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** One span, as much of it as the aggregator reads. */
export interface FlatSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent on a root span. */
  readonly parentSpanId?: string;
  /** The resource's `service.name`. */
  readonly service: string;
  /** The resource's `homeostat.stack` attribute, when the service names its stack itself. */
  readonly stackKey?: string;
  readonly name: string;
  readonly kind: number;
  readonly startMs: number;
  readonly durationMs: number;
  /** Status code ERROR. */
  readonly error: boolean;
  /** A client span's `peer.service`: the callee when it sends no spans of its own. */
  readonly peerService?: string;
}

/** A body that is not a valid export request; the message names the field. */
export class OtlpBodyError extends Error {
  override readonly name = 'OtlpBodyError';
}

/** Most spans one request may carry (the collector's default batch is 8192). */
export const MAX_SPANS_PER_REQUEST = 20_000;

const Int64 = z.union([z.string().regex(/^\d{1,20}$/, 'a whole number of nanoseconds'), z.number().int().nonnegative()]);

const AnyValue = z
  .object({ stringValue: z.string().optional(), boolValue: z.boolean().optional(), intValue: z.union([z.string(), z.number()]).optional(), doubleValue: z.number().optional() })
  .passthrough();
const KeyValue = z.object({ key: z.string(), value: AnyValue.optional() });

function spanSchema(id: z.ZodType<string>) {
  return z.object({
    traceId: id,
    spanId: id,
    parentSpanId: z.union([id, z.literal('')]).optional(),
    name: z.string().default(''),
    kind: z.number().int().min(0).max(5).default(0),
    startTimeUnixNano: Int64,
    endTimeUnixNano: Int64,
    attributes: z.array(KeyValue).default([]),
    status: z.object({ code: z.number().int().min(0).max(2).default(0) }).partial().optional(),
  });
}

function requestSchema(id: z.ZodType<string>) {
  return z.object({
    resourceSpans: z
      .array(
        z.object({
          resource: z.object({ attributes: z.array(KeyValue).default([]) }).optional(),
          scopeSpans: z.array(z.object({ spans: z.array(spanSchema(id)).default([]) })).default([]),
        }),
      )
      .default([]),
  });
}

const HEX_ID = z.string().regex(/^(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/, 'a trace id of 32 or span id of 16 hex digits').transform((s) => s.toLowerCase());
// toObject of a decoded protobuf gives bytes as base64; they become the same hex as in JSON.
const B64_ID = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'an id in base64')
  .transform((s) => Buffer.from(s, 'base64').toString('hex'))
  .pipe(HEX_ID);

const JsonRequest = requestSchema(HEX_ID);
const ProtoRequest = requestSchema(B64_ID);
type ParsedRequest = z.infer<typeof JsonRequest>;

function attribute(attrs: readonly z.infer<typeof KeyValue>[], key: string): string | undefined {
  const v = attrs.find((a) => a.key === key)?.value?.stringValue;
  return v === undefined || v === '' ? undefined : v;
}

const nanosToMs = (n: string | number) => Number(BigInt(n) / 1000n) / 1000;

function flatten(req: ParsedRequest): FlatSpan[] {
  const out: FlatSpan[] = [];
  req.resourceSpans.forEach((rs, i) => {
    const resourceAttrs = rs.resource?.attributes ?? [];
    const service = attribute(resourceAttrs, 'service.name');
    if (!service) throw new OtlpBodyError(`resourceSpans[${i}].resource.attributes: no service.name (every span must say which service sent it)`);
    const stackKey = attribute(resourceAttrs, 'homeostat.stack');
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const startMs = nanosToMs(s.startTimeUnixNano);
        const peerService = attribute(s.attributes, 'peer.service');
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          service,
          ...(stackKey ? { stackKey } : {}),
          name: s.name,
          kind: s.kind,
          startMs,
          durationMs: Math.max(0, nanosToMs(s.endTimeUnixNano) - startMs),
          error: s.status?.code === 2,
          ...(peerService ? { peerService } : {}),
        });
      }
    }
  });
  return out;
}

function parsed(schema: typeof JsonRequest, value: unknown): FlatSpan[] {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new OtlpBodyError(`${path || 'body'}: ${issue.message}`);
  }
  const total = r.data.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
  if (total > MAX_SPANS_PER_REQUEST) throw new OtlpBodyError(`${total} spans in one request: at most ${MAX_SPANS_PER_REQUEST}`);
  return flatten(r.data);
}

/** The two statics of the generated message class this file uses (its .d.ts types the root only as a Root). */
interface GeneratedMessage {
  decode(body: Uint8Array): object;
  toObject(message: object, options: { longs: StringConstructor; enums: NumberConstructor; bytes: StringConstructor }): unknown;
}
const generated = otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: GeneratedMessage } } } } } };
const ExportTraceServiceRequest = generated.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** The spans of a protobuf-encoded `ExportTraceServiceRequest`. Throws {@link OtlpBodyError}. */
export function spansFromProtobuf(body: Uint8Array): FlatSpan[] {
  let object: unknown;
  try {
    const message = ExportTraceServiceRequest.decode(body);
    object = ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, bytes: String });
  } catch (err) {
    throw new OtlpBodyError(`not a protobuf ExportTraceServiceRequest: ${(err as Error).message}`);
  }
  return parsed(ProtoRequest, object);
}

/** The spans of a JSON-encoded `ExportTraceServiceRequest` (OTLP/JSON). Throws {@link OtlpBodyError}. */
export function spansFromJson(body: string): FlatSpan[] {
  let object: unknown;
  try {
    object = JSON.parse(body);
  } catch (err) {
    throw new OtlpBodyError(`not JSON: ${(err as Error).message}`);
  }
  return parsed(JsonRequest, object);
}
