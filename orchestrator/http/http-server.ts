import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { IncidentIdSchema } from '../model/record-ids.ts';
import type { HttpDeps } from './http-deps.ts';
import { HttpError, statusOf } from './http-error.ts';
import { registerRemediationRoutes } from './remediation-routes.ts';
import { registerPromotionRoutes } from './promotion-routes.ts';
import { requestField } from './request-fields.ts';
import { installAuth } from './route-auth.ts';
import { sendJson } from './send-json.ts';
import { registerStackRoutes } from './stack-routes.ts';
import { registerTraceRoutes } from './trace-routes.ts';
import { registerWebhookRoutes } from './webhook-routes.ts';

/** How long /readyz waits for the readiness check before answering 503. */
export const READY_TIMEOUT_MS = 2000;

export type { HttpDeps, HttpRepo } from './http-deps.ts';
export { HttpError } from './http-error.ts';
export { sendJson } from './send-json.ts';

/** The HTTP server: a Fastify instance. */
export type HttpServer = FastifyInstance;

/** Largest JSON body of an API call. */
const API_BODY_LIMIT = 64 * 1024;

/**
 * The service's HTTP API: webhooks in, runs and stacks out, health and
 * metrics for the platform that runs it. Every route declares who may call
 * it (`config.access`); one `onRequest` hook enforces that before anything
 * else runs (see route-auth.ts).
 */
export function createHttpServer(deps: HttpDeps): HttpServer {
  const limit = deps.webhookMaxBytes ?? 1024 * 1024;
  // forceCloseConnections: close() ends keep-alive connections too, so a stop never waits on an idle client.
  // Path parameters up to 1 KiB reach the routes, whose schemas answer a too-long id or key with a 400 naming it.
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: API_BODY_LIMIT, return503OnClosing: true, routerOptions: { maxParamLength: 1024 } });
  installAuth(app, deps.auth, deps.onRoute);
  // Only JSON reaches the API (route-auth refuses other types on mutations); text/plain is not even parsed.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: unknown, _req, reply) => {
    return sendJson(reply, statusOf(err), { error: err instanceof Error ? err.message : String(err) });
  });
  app.setNotFoundHandler((req, reply) => sendJson(reply, 404, { error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  registerWebhookRoutes(app, deps, limit);

  app.get('/healthz', { config: { access: 'open' } }, async (_req, reply) => sendJson(reply, 200, { status: 'ok', ...(deps.runtime ? { details: deps.runtime } : {}) }));
  app.get('/readyz', { config: { access: 'open' } }, async (_req, reply) => {
    // A check that does not answer in time is a "no": a probe must get its 503, not hang until it gives up.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)));
    const ok = await Promise.race([deps.ready().catch(() => false), late]).finally(() => clearTimeout(timer));
    return sendJson(reply, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
  });
  const metricsAccess = deps.auth.mode === 'tokens' && deps.auth.metrics === 'token' ? 'viewer' : 'open';
  app.get('/metrics', { config: { access: metricsAccess } }, async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.code(200).header('content-type', deps.metrics.registry.contentType).send(text);
  });

  registerStackRoutes(app, deps);
  if (deps.promotions) registerPromotionRoutes(app, deps.promotions);

  app.get<{ Querystring: { limit?: string } }>('/api/incidents', { config: { access: 'viewer' } }, async (req, reply) =>
    sendJson(reply, 200, { incidents: (await deps.incidents?.list(Number(req.query.limit ?? 50))) ?? [] }),
  );
  app.get<{ Params: { id: string } }>('/api/incidents/:id', { config: { access: 'viewer' } }, async (req, reply) => {
    const id = requestField('id', req.params.id, IncidentIdSchema);
    const record = await deps.incidents?.get(id);
    if (!record) throw new HttpError(404, `no incident ${id}`);
    return sendJson(reply, 200, record);
  });
  app.get('/api/signals', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, { signals: (await deps.signalHealth?.()) ?? [] }));
  app.get<{ Querystring: { limit?: string } }>('/api/notifications/failed', { config: { access: 'viewer' } }, async (req, reply) => {
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'limit: a whole number from 1 to 1000');
    return sendJson(reply, 200, { failed: (await deps.notifications?.deadLetters(limit)) ?? [] });
  });
  if (deps.remediation) registerRemediationRoutes(app, deps.remediation);
  if (deps.traces) registerTraceRoutes(app, deps.auth, deps.traces);
  deps.extra?.(app);
  return app;
}

/** Starts listening; resolves with the bound address. */
export async function listen(server: HttpServer, host: string, port: number): Promise<AddressInfo> {
  await server.listen({ host, port });
  return server.server.address() as AddressInfo;
}
