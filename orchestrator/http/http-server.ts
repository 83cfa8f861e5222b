import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Secret } from '../config/secret.ts';
import type { IntakeQueue } from '../intake/intake-queue.ts';
import { ignoredFork, type PullRequestSettings } from '../intake/fork-policy.ts';
import { matchRepo } from '../intake/repo-match.ts';
import { StackBusyForUnlockError, type ForceUnlock } from '../deploy/force-unlock.ts';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import { IncidentIdSchema, RunIdSchema } from '../model/record-ids.ts';
import { parseStackKey, StackKeySchema } from '../model/stack-key.ts';
import type { RunStore } from '../records/run-store.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';
import { receiveWebhook } from '../webhooks/index.ts';
import type { IncidentStore } from '../correlate/incident-store.ts';
import type { SignalHealth } from '../telemetry/index.ts';
import type { Metrics } from './metrics.ts';
import type { AuthSettings } from './auth.ts';
import { installAuth, principalOf } from './route-auth.ts';
import { HttpError, refuseBy } from './http-error.ts';
import { optionalField, requestField } from './request-fields.ts';
import { registerRemediationRoutes, type RemediationApiDeps } from './remediation-routes.ts';

import { sendJson } from './send-json.ts';

export { HttpError } from './http-error.ts';
export { sendJson } from './send-json.ts';

/** A watched repository as the HTTP layer sees it. */
export interface HttpRepo {
  id: string;
  url: string;
  deployBranch: string;
  forge?: 'github' | 'gitlab' | 'gitea';
  webhookSecret?: Secret;
  pullRequests?: PullRequestSettings;
}

export interface HttpDeps {
  repos: readonly HttpRepo[];
  intake: IntakeQueue;
  deployQueue: DeployQueue;
  store: RunStore;
  fetcher: SourceFetcher;
  metrics: Metrics;
  /** Whether the service can do its work (Redis reachable, workers running). */
  ready(): Promise<boolean>;
  /** Who may call what: API tokens (and a trusted proxy), or `none` on loopback. */
  auth: AuthSettings;
  webhookMaxBytes?: number;
  /** Incidents and their diagnoses (AIOps); none when telemetry is off. */
  incidents?: IncidentStore;
  /** Health of each watched signal (fresh or stale, and why). */
  signalHealth?: () => SignalHealth[];
  /** Review items, remediations, the audit log and run-time controls. */
  remediation?: RemediationApiDeps;
  /** Removes a stack's engine locks by force, for a person (only where workers run). */
  unlock?: ForceUnlock;
  /** What the service runs on, reported by `/healthz`. */
  runtime?: { node: string; engine: string };
  /** Extra routes (the dashboard), registered on the same server and so behind the same auth hook. */
  extra?: (app: FastifyInstance) => void;
  /** Called with each route as it is registered (method, url, access): the security tests enumerate them. */
  onRoute?: (route: { method: string; url: string; access: string }) => void;
}

/** The HTTP server: a Fastify instance. */
export type HttpServer = FastifyInstance;

/** Largest JSON body of an API call. */
const API_BODY_LIMIT = 64 * 1024;

/** Reads a body, refusing it as soon as it passes `limit` bytes (the memory stays bounded). */
async function readBody(stream: Readable, headers: IncomingHttpHeaders, limit: number): Promise<Buffer> {
  const declared = Number(headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `body of ${declared} bytes is larger than the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `body is larger than the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}


/** The fields of a JSON body, or 400 when it is not an object. */
function fieldsOf(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'body: expected a JSON object');
  return body as Record<string, unknown>;
}

/** The status of an error: ours, or Fastify's own (unsupported media type, body too large, invalid JSON); else 500. */
function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

// The webhook scope's marker of a delivery that came without a Content-Type (the parser needs one to run).
const NO_CONTENT_TYPE = 'application/x-homeostat-none';

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

  // Webhooks: the raw bytes, exactly as signed, whatever the content type; the HMAC is checked on them.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (req, payload, done) => {
      // One byte past the limit, so that receiveWebhook reports the size, as for any other rejection.
      readBody(payload, req.headers, limit + 1).then(
        (body) => done(null, body),
        (err: Error) => done(err, undefined),
      );
    });
    scope.addHook('onRequest', async (req) => {
      // An absent or blank Content-Type is receiveWebhook's to judge, not the parser's (which would refuse it).
      if (!req.headers['content-type']?.trim()) req.headers['content-type'] = NO_CONTENT_TYPE;
    });
    scope.setErrorHandler((err: unknown, _req, reply) => {
      if (err instanceof HttpError && err.status === 413) {
        deps.metrics.webhookRejects.inc({ reason: 'body-too-large' });
        deps.metrics.webhooks.inc({ outcome: 'rejected' });
        // Read no more of it: answer and close the connection.
        reply.header('connection', 'close');
        return sendJson(reply, 413, { error: 'body-too-large', message: err.message });
      }
      return sendJson(reply, statusOf(err), { error: err instanceof Error ? err.message : String(err) });
    });
    scope.post<{ Params: { repoId: string } }>('/webhooks/:repoId', { config: { access: 'open' } }, async (req, reply) => {
      const repoId = req.params.repoId;
      const repo = deps.repos.find((r) => r.id === repoId);
      if (!repo) throw new HttpError(404, `no watched repository with id ${repoId}`);
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers = { ...req.headers };
      if (headers['content-type'] === NO_CONTENT_TYPE) delete headers['content-type'];
      const secret = repo.webhookSecret?.reveal();
      const secrets = secret ? (repo.forge ? { [repo.forge]: secret } : { github: secret, gitlab: secret, gitea: secret }) : {};
      const outcome = receiveWebhook({ headers, rawBody, receivedAt: new Date() }, secrets, { maxBodyBytes: limit });
      if (outcome.kind === 'rejected') {
        deps.metrics.webhookRejects.inc({ reason: outcome.reason });
        deps.metrics.webhooks.inc({ outcome: 'rejected' });
        return sendJson(reply, outcome.status, { error: outcome.reason, message: outcome.message });
      }
      if (outcome.kind === 'ignored') {
        deps.metrics.webhooks.inc({ outcome: 'ignored' });
        return sendJson(reply, 202, { status: 'ignored', reason: outcome.reason });
      }
      if (!matchRepo([repo], outcome.event.cloneUrls)) {
        deps.metrics.webhookRejects.inc({ reason: 'wrong-repository' });
        deps.metrics.webhooks.inc({ outcome: 'rejected' });
        return sendJson(reply, 422, { error: 'wrong-repository', message: `the delivery is for ${outcome.event.repoName}, not for repository ${repo.id}` });
      }
      const fork = ignoredFork(repo, outcome.event);
      if (fork) {
        deps.metrics.webhooks.inc({ outcome: 'ignored' });
        return sendJson(reply, 202, { status: 'ignored', reason: fork.reason, message: fork.message });
      }
      const added = await deps.intake.add(outcome.event);
      deps.metrics.webhooks.inc({ outcome: added ? 'queued' : 'duplicate' });
      return sendJson(reply, 202, { status: added ? 'queued' : 'duplicate', deliveryId: outcome.event.deliveryId });
    });
  });

  const targetOf = (key: string) => parseStackKey(requestField('stack', key, StackKeySchema));

  app.get('/healthz', { config: { access: 'open' } }, async (_req, reply) => sendJson(reply, 200, { status: 'ok', ...(deps.runtime ? { details: deps.runtime } : {}) }));
  app.get('/readyz', { config: { access: 'open' } }, async (_req, reply) => {
    const ok = await deps.ready().catch(() => false);
    return sendJson(reply, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
  });
  const metricsAccess = deps.auth.mode === 'tokens' && deps.auth.metrics === 'token' ? 'viewer' : 'open';
  app.get('/metrics', { config: { access: metricsAccess } }, async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.code(200).header('content-type', deps.metrics.registry.contentType).send(text);
  });

  app.get('/api/stacks', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, { stacks: await deps.store.statuses() }));
  app.get<{ Querystring: { limit?: string; stack?: string } }>('/api/runs', { config: { access: 'viewer' } }, async (req, reply) => {
    const limitParam = Number(req.query.limit ?? 50);
    if (!Number.isInteger(limitParam) || limitParam < 1 || limitParam > 1000) throw new HttpError(400, 'limit: expected a whole number from 1 to 1000');
    const stack = optionalField('stack', req.query.stack, StackKeySchema);
    return sendJson(reply, 200, { runs: await deps.store.list({ limit: limitParam, ...(stack ? { stackKey: stack } : {}) }) });
  });
  app.get<{ Params: { id: string } }>('/api/runs/:id', { config: { access: 'viewer' } }, async (req, reply) => {
    const id = requestField('id', req.params.id, RunIdSchema);
    const run = await deps.store.get(id);
    if (!run) throw new HttpError(404, `no run ${id}`);
    return sendJson(reply, 200, { run, log: await deps.store.log(run.id) });
  });

  // Stack keys travel as one percent-encoded path segment (`infra%2F.%2Fsandbox`): a URL with the
  // key's own `/./` in it would be collapsed by fetch and curl before it left the client.
  type StackRoute = { Params: { key: string }; Body: unknown };

  /** POST /api/stacks/<key>/preview|up, with an optional `{ref}` body. A person's run always runs, even for a commit applied before. */
  const manualRun = (apply: boolean) => async (req: { params: { key: string }; body: unknown }, reply: FastifyReply, by: string) => {
    const target = targetOf(req.params.key);
    const repo = deps.repos.find((r) => r.id === target.repo);
    if (!repo) throw new HttpError(404, `no watched repository with id ${target.repo}`);
    const fields = fieldsOf(req.body);
    refuseBy(fields);
    let ref = repo.deployBranch;
    const r = fields.ref;
    if (r !== undefined && (typeof r !== 'string' || r.length === 0)) throw new HttpError(422, 'ref: expected a non-empty string');
    if (typeof r === 'string') ref = r;
    if (apply && ref !== repo.deployBranch) throw new HttpError(422, `ref: only the deploy branch ${repo.deployBranch} is applied; preview other refs`);
    let commit: string;
    try {
      commit = await deps.fetcher.resolve(repo.url, ref);
    } catch (err) {
      throw new HttpError(422, `ref: cannot resolve ${ref}: ${(err as Error).message}`);
    }
    const result = await deps.deployQueue.enqueue(target, commit, apply, { kind: 'manual', by }, { suffix: `manual-${Date.now().toString(36)}` });
    return sendJson(reply, 202, { status: result.added ? 'queued' : 'duplicate', jobId: result.jobId, commit });
  };
  app.post<StackRoute>('/api/stacks/:key/preview', { config: { access: 'operator' } }, async (req, reply) => manualRun(false)(req, reply, principalOf(req).name));
  app.post<StackRoute>('/api/stacks/:key/up', { config: { access: 'operator' } }, async (req, reply) => manualRun(true)(req, reply, principalOf(req).name));

  /** A drift check of the commit last applied, now. */
  app.post<StackRoute>('/api/stacks/:key/drift', { config: { access: 'operator' } }, async (req, reply) => {
    const key = req.params.key;
    const target = targetOf(key);
    refuseBy(fieldsOf(req.body));
    const status = await deps.store.status(key);
    if (!status.appliedCommit) throw new HttpError(409, `stack ${key} has no applied commit to compare with`);
    const driftId = `manual-${Date.now().toString(36)}`;
    const result = await deps.deployQueue.enqueue(target, status.appliedCommit, false, { kind: 'drift', driftId }, { mode: 'drift', suffix: `drift-${driftId}` });
    return sendJson(reply, 202, { status: 'queued', jobId: result.jobId, commit: status.appliedCommit });
  });

  /** `{"force": true}`: a person clears the stack's engine locks; the audit log names the principal. */
  app.post<StackRoute>('/api/stacks/:key/unlock', { config: { access: 'operator' }, bodyLimit: 4096 }, async (req, reply) => {
    const target = targetOf(req.params.key);
    if (!deps.unlock) throw new HttpError(503, 'this process runs no workers (--no-workers): ask one that does');
    const fields = fieldsOf(req.body);
    if (fields.force !== true) throw new HttpError(400, 'force: must be true: this removes every engine lock of the stack, whoever holds it');
    refuseBy(fields);
    try {
      return sendJson(reply, 200, { status: 'unlocked', ...(await deps.unlock(target, principalOf(req).name)) });
    } catch (err) {
      if (err instanceof StackBusyForUnlockError) throw new HttpError(409, err.message);
      throw err;
    }
  });

  app.get<{ Querystring: { limit?: string } }>('/api/incidents', { config: { access: 'viewer' } }, async (req, reply) =>
    sendJson(reply, 200, { incidents: (await deps.incidents?.list(Number(req.query.limit ?? 50))) ?? [] }),
  );
  app.get<{ Params: { id: string } }>('/api/incidents/:id', { config: { access: 'viewer' } }, async (req, reply) => {
    const id = requestField('id', req.params.id, IncidentIdSchema);
    const record = await deps.incidents?.get(id);
    if (!record) throw new HttpError(404, `no incident ${id}`);
    return sendJson(reply, 200, record);
  });
  app.get('/api/signals', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, { signals: deps.signalHealth?.() ?? [] }));
  if (deps.remediation) registerRemediationRoutes(app, deps.remediation);
  deps.extra?.(app);
  return app;
}

/** Starts listening; resolves with the bound address. */
export async function listen(server: HttpServer, host: string, port: number): Promise<AddressInfo> {
  await server.listen({ host, port });
  return server.server.address() as AddressInfo;
}
