import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ignoredFork } from '../intake/fork-policy.ts';
import { matchRepo } from '../intake/repo-match.ts';
import { receiveWebhook } from '../webhooks/index.ts';
import type { HttpDeps } from './http-deps.ts';
import { HttpError, statusOf } from './http-error.ts';
import { sendJson } from './send-json.ts';

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

// The webhook scope's marker of a delivery that came without a Content-Type (the parser needs one to run).
const NO_CONTENT_TYPE = 'application/x-homeostat-none';

/**
 * `POST /webhooks/<repo id>`, open to anyone: the raw bytes, exactly as
 * signed, whatever the content type, go to `receiveWebhook`, which checks
 * the HMAC on them; an accepted event is queued for intake.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: HttpDeps, limit: number): void {
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
}
