import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Secret } from '../config/secret.ts';
import type { IntakeQueue } from '../intake/intake-queue.ts';
import { ignoredFork, type PullRequestSettings } from '../intake/fork-policy.ts';
import { matchRepo } from '../intake/repo-match.ts';
import { StackBusyForUnlockError, type ForceUnlock } from '../deploy/force-unlock.ts';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import { parseStackKey } from '../queue/stack-key.ts';
import type { RunStore } from '../records/run-store.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';
import { receiveWebhook } from '../webhooks/index.ts';
import type { IncidentStore } from '../aiops/incident-store.ts';
import type { SignalHealth } from '../telemetry/index.ts';
import type { Metrics } from './metrics.ts';
import { ApiError, remediationRoute, type RemediationApiDeps } from './remediation-routes.ts';

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
  /** Bearer token required by the mutating API endpoints; none when undefined. */
  apiToken?: Secret;
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
  /** Extra routes (the dashboard), tried before a 404. */
  extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** Reads a body, refusing it as soon as it passes `limit` bytes (the memory stays bounded). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `body of ${declared} bytes is larger than the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `body is larger than the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The service's HTTP API: webhooks in, runs and stacks out, health and
 * metrics for the platform that runs it.
 */
export function createHttpServer(deps: HttpDeps): Server {
  const limit = deps.webhookMaxBytes ?? 1024 * 1024;

  async function webhook(req: IncomingMessage, res: ServerResponse, repoId: string): Promise<void> {
    const repo = deps.repos.find((r) => r.id === repoId);
    if (!repo) throw new HttpError(404, `no watched repository with id ${repoId}`);
    let rawBody: Buffer;
    try {
      // Read one byte past the limit so that receiveWebhook reports the size, as for any other rejection.
      rawBody = await readBody(req, limit + 1);
    } catch (err) {
      if (err instanceof HttpError && err.status === 413) {
        deps.metrics.webhookRejects.inc({ reason: 'body-too-large' });
        deps.metrics.webhooks.inc({ outcome: 'rejected' });
        // Read no more of it: answer and close the connection.
        res.setHeader('connection', 'close');
        return sendJson(res, 413, { error: 'body-too-large', message: err.message });
      }
      throw err;
    }
    const secret = repo.webhookSecret?.reveal();
    const secrets = secret ? (repo.forge ? { [repo.forge]: secret } : { github: secret, gitlab: secret, gitea: secret }) : {};
    const outcome = receiveWebhook({ headers: req.headers, rawBody, receivedAt: new Date() }, secrets, { maxBodyBytes: limit });
    if (outcome.kind === 'rejected') {
      deps.metrics.webhookRejects.inc({ reason: outcome.reason });
      deps.metrics.webhooks.inc({ outcome: 'rejected' });
      return sendJson(res, outcome.status, { error: outcome.reason, message: outcome.message });
    }
    if (outcome.kind === 'ignored') {
      deps.metrics.webhooks.inc({ outcome: 'ignored' });
      return sendJson(res, 202, { status: 'ignored', reason: outcome.reason });
    }
    if (!matchRepo([repo], outcome.event.cloneUrls)) {
      deps.metrics.webhookRejects.inc({ reason: 'wrong-repository' });
      deps.metrics.webhooks.inc({ outcome: 'rejected' });
      return sendJson(res, 422, { error: 'wrong-repository', message: `the delivery is for ${outcome.event.repoName}, not for repository ${repo.id}` });
    }
    const fork = ignoredFork(repo, outcome.event);
    if (fork) {
      deps.metrics.webhooks.inc({ outcome: 'ignored' });
      return sendJson(res, 202, { status: 'ignored', reason: fork.reason, message: fork.message });
    }
    const added = await deps.intake.add(outcome.event);
    deps.metrics.webhooks.inc({ outcome: added ? 'queued' : 'duplicate' });
    return sendJson(res, 202, { status: added ? 'queued' : 'duplicate', deliveryId: outcome.event.deliveryId });
  }

  function targetOf(key: string) {
    try {
      return parseStackKey(key);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
  }

  function requireToken(req: IncomingMessage): void {
    if (!deps.apiToken) return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!given || !sameSecret(given, deps.apiToken.reveal())) throw new HttpError(401, 'missing or wrong API token (Authorization: Bearer …)');
  }

  /** POST /api/stacks/<key>/preview|up, with an optional `{ref}` body. */
  async function manualRun(req: IncomingMessage, res: ServerResponse, key: string, apply: boolean): Promise<void> {
    requireToken(req);
    const target = targetOf(key);
    const repo = deps.repos.find((r) => r.id === target.repo);
    if (!repo) throw new HttpError(404, `no watched repository with id ${target.repo}`);
    const body = await readBody(req, 64 * 1024);
    let ref = repo.deployBranch;
    if (body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, 'body is not valid JSON');
      }
      const r = (parsed as { ref?: unknown }).ref;
      if (r !== undefined && (typeof r !== 'string' || r.length === 0)) throw new HttpError(422, 'ref: expected a non-empty string');
      if (typeof r === 'string') ref = r;
    }
    if (apply && ref !== repo.deployBranch) throw new HttpError(422, `ref: only the deploy branch ${repo.deployBranch} is applied; preview other refs`);
    let commit: string;
    try {
      commit = await deps.fetcher.resolve(repo.url, ref);
    } catch (err) {
      throw new HttpError(422, `ref: cannot resolve ${ref}: ${(err as Error).message}`);
    }
    const by = String(req.headers['x-homeostat-user'] ?? 'api');
    // A person's run always runs, even for a commit that was applied before.
    const result = await deps.deployQueue.enqueue(target, commit, apply, { kind: 'manual', by }, { suffix: `manual-${Date.now().toString(36)}` });
    sendJson(res, 202, { status: result.added ? 'queued' : 'duplicate', jobId: result.jobId, commit });
  }

  /** POST /api/stacks/<key>/unlock with `{"force": true}`: a person clears the stack's engine locks. */
  async function unlock(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    requireToken(req);
    const target = targetOf(key);
    if (!deps.unlock) throw new HttpError(503, 'this process runs no workers (--no-workers): ask one that does');
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'send {"force": true} as application/json');
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, 4096)).toString('utf8'));
    } catch {
      throw new HttpError(400, 'body is not valid JSON');
    }
    const fields = (body ?? {}) as { force?: unknown; by?: unknown };
    if (fields.force !== true) throw new HttpError(400, 'force: must be true: this removes every engine lock of the stack, whoever holds it');
    if (fields.by !== undefined && (typeof fields.by !== 'string' || fields.by.length === 0)) throw new HttpError(400, 'by: expected a non-empty string');
    const by = typeof fields.by === 'string' ? fields.by : String(req.headers['x-homeostat-user'] ?? 'api');
    try {
      sendJson(res, 200, { status: 'unlocked', ...(await deps.unlock(target, by)) });
    } catch (err) {
      if (err instanceof StackBusyForUnlockError) throw new HttpError(409, err.message);
      throw err;
    }
  }

  /** POST /api/stacks/<key>/drift: a drift check of the commit last applied, now. */
  async function driftCheck(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    requireToken(req);
    const target = targetOf(key);
    const status = await deps.store.status(key);
    if (!status.appliedCommit) throw new HttpError(409, `stack ${key} has no applied commit to compare with`);
    const driftId = `manual-${Date.now().toString(36)}`;
    const result = await deps.deployQueue.enqueue(target, status.appliedCommit, false, { kind: 'drift', driftId }, { mode: 'drift', suffix: `drift-${driftId}` });
    sendJson(res, 202, { status: 'queued', jobId: result.jobId, commit: status.appliedCommit });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://homeostat');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;

    if (method === 'POST' && (m = /^\/webhooks\/([^/]+)$/.exec(path))) return webhook(req, res, decodeURIComponent(m[1]!));
    if (method === 'GET' && path === '/healthz') return sendJson(res, 200, { status: 'ok', ...(deps.runtime ? { details: deps.runtime } : {}) });
    if (method === 'GET' && path === '/readyz') {
      const ok = await deps.ready().catch(() => false);
      return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
    }
    if (method === 'GET' && path === '/metrics') {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text);
      return;
    }
    if (method === 'GET' && path === '/api/stacks') return sendJson(res, 200, { stacks: await deps.store.statuses() });
    if (method === 'GET' && path === '/api/runs') {
      const limitParam = Number(url.searchParams.get('limit') ?? 50);
      if (!Number.isInteger(limitParam) || limitParam < 1 || limitParam > 1000) throw new HttpError(400, 'limit: expected a whole number from 1 to 1000');
      const stack = url.searchParams.get('stack') ?? undefined;
      return sendJson(res, 200, { runs: await deps.store.list({ limit: limitParam, ...(stack ? { stackKey: stack } : {}) }) });
    }
    if (method === 'GET' && (m = /^\/api\/runs\/([^/]+)$/.exec(path))) {
      const run = await deps.store.get(decodeURIComponent(m[1]!));
      if (!run) throw new HttpError(404, `no run ${m[1]}`);
      return sendJson(res, 200, { run, log: await deps.store.log(run.id) });
    }
    if (method === 'POST' && (m = /^\/api\/stacks\/(.+)\/(preview|up)$/.exec(path))) {
      return manualRun(req, res, decodeURIComponent(m[1]!), m[2] === 'up');
    }
    if (method === 'POST' && (m = /^\/api\/stacks\/(.+)\/drift$/.exec(path))) return driftCheck(req, res, decodeURIComponent(m[1]!));
    if (method === 'POST' && (m = /^\/api\/stacks\/(.+)\/unlock$/.exec(path))) return unlock(req, res, decodeURIComponent(m[1]!));
    if (method === 'GET' && path === '/api/incidents') return sendJson(res, 200, { incidents: (await deps.incidents?.list(Number(url.searchParams.get('limit') ?? 50))) ?? [] });
    if (method === 'GET' && (m = /^\/api\/incidents\/([^/]+)$/.exec(path))) {
      const record = await deps.incidents?.get(decodeURIComponent(m[1]!));
      if (!record) throw new HttpError(404, `no incident ${m[1]}`);
      return sendJson(res, 200, record);
    }
    if (method === 'GET' && path === '/api/signals') return sendJson(res, 200, { signals: deps.signalHealth?.() ?? [] });
    if (deps.remediation) {
      const io = { send: (status: number, body: unknown) => sendJson(res, status, body), body: () => readBody(req, 64 * 1024), requireToken: () => requireToken(req) };
      if (await remediationRoute(deps.remediation, req, res, url, io)) return;
    }
    if (deps.extra && (await deps.extra(req, res, url))) return;
    throw new HttpError(404, `no route ${method} ${path}`);
  }

  return createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError || err instanceof ApiError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      else res.end();
    });
  });
}

/** Starts listening; resolves with the bound address. */
export async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server.address() as AddressInfo;
}
