import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Secret } from '../config/secret.ts';
import { OtlpBodyError, spansFromJson, spansFromProtobuf, type FlatSpan } from '../traces/otlp-spans.ts';
import type { AuthSettings } from './auth.ts';
import { matchToken } from './auth.ts';
import { HttpError, statusOf } from './http-error.ts';
import { mediaType } from './route-auth.ts';
import { sendJson } from './send-json.ts';

const gunzipAsync = promisify(gunzip);

/** Where the receiver hands the spans of each accepted request. */
export interface TraceIngest {
  /** Called with every accepted request's spans; its rejection is a 503 (the exporter retries). */
  ingest(spans: readonly FlatSpan[]): void | Promise<void>;
  /**
   * The bearer token span senders present. Required when the API uses
   * tokens: a sender of spans gets no API role, and an API token is not
   * accepted here (a leaked span-sender's token can do nothing else).
   */
  token?: Secret;
  /** Largest body as sent (compressed or not). @defaultValue 4 MiB */
  maxBytes?: number;
  /** Largest body once gunzipped. @defaultValue 16 MiB */
  maxInflatedBytes?: number;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

function checkToken(req: FastifyRequest, auth: AuthSettings, traces: TraceIngest): void {
  if (auth.mode === 'none') return;
  const token = traces.token;
  if (!token) throw new HttpError(401, 'no trace ingest token is configured (traces.ingestToken): spans are refused');
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!bearer) throw new HttpError(401, 'authentication required: send Authorization: Bearer <trace ingest token>');
  if (!matchToken(bearer, [{ name: 'traces', role: 'viewer', token }])) throw new HttpError(401, 'wrong trace ingest token');
}

async function inflated(req: FastifyRequest, body: Buffer, limit: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') throw new HttpError(415, `Content-Encoding ${encoding} is not accepted: send gzip or none`);
  try {
    return await gunzipAsync(body, { maxOutputLength: limit });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, `body is larger than ${limit} bytes once gunzipped`);
    throw new HttpError(400, `body is not valid gzip: ${(err as Error).message}`);
  }
}

/**
 * `POST /v1/traces`: the OTLP/HTTP trace receiver, as the OpenTelemetry SDK
 * exporters and the collector's `otlphttp` exporter send, protobuf or JSON,
 * gzipped or not. It is `open` at the API gate (whose JSON-only rule would
 * refuse protobuf) and checks its own ingest token before the body is read.
 * Both accepted types need a CORS preflight, which this server never
 * answers, so a web page cannot post spans from someone's browser. A bad
 * body is a 400 naming the field; the answer to a good one is an empty
 * `ExportTraceServiceResponse` in the request's encoding.
 */
export function registerTraceRoutes(app: FastifyInstance, auth: AuthSettings, traces: TraceIngest): void {
  const maxBytes = traces.maxBytes ?? 4 * 1024 * 1024;
  const maxInflated = traces.maxInflatedBytes ?? 16 * 1024 * 1024;
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser([PROTOBUF, JSON_TYPE], { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
    scope.addHook('onRequest', async (req) => checkToken(req, auth, traces));
    scope.setErrorHandler((err: unknown, req, reply) => {
      const code = (err as { code?: string }).code;
      if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || code === 'FST_ERR_CTP_MISSING_CONTENT_TYPE') {
        return sendJson(reply, 415, { error: `Content-Type must be ${PROTOBUF} or ${JSON_TYPE} (got ${mediaType(req.headers['content-type']) || 'none'})` });
      }
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        reply.header('connection', 'close');
        return sendJson(reply, 413, { error: `body is larger than the limit of ${maxBytes} bytes` });
      }
      if (err instanceof OtlpBodyError) return sendJson(reply, 400, { error: err.message });
      if (statusOf(err) === 401) reply.header('www-authenticate', 'Bearer');
      return sendJson(reply, statusOf(err), { error: err instanceof Error ? err.message : String(err) });
    });
    scope.post('/v1/traces', { config: { access: 'open' } }, async (req, reply) => {
      const type = mediaType(req.headers['content-type']);
      const body = await inflated(req, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), maxInflated);
      const spans = type === PROTOBUF ? spansFromProtobuf(body) : spansFromJson(body.toString('utf8'));
      try {
        await traces.ingest(spans);
      } catch (err) {
        throw new HttpError(503, `spans not taken in: ${(err as Error).message}`);
      }
      if (type === PROTOBUF) return reply.code(200).header('content-type', PROTOBUF).send(Buffer.alloc(0));
      return sendJson(reply, 200, {});
    });
  });
}
