import type { FastifyInstance, FastifyReply } from 'fastify';
import { StackBusyForUnlockError } from '../deploy/force-unlock.ts';
import { graphOfStatuses } from '../graph/stack-graph.ts';
import { RunIdSchema } from '../model/record-ids.ts';
import { parseStackKey, StackKeySchema } from '../model/stack-key.ts';
import type { HttpDeps } from './http-deps.ts';
import { HttpError, refuseBy } from './http-error.ts';
import { fieldsOf, optionalField, requestField } from './request-fields.ts';
import { principalOf } from './route-auth.ts';
import { sendJson } from './send-json.ts';

/**
 * Stacks and runs: read by viewers; a preview, an apply, a drift check or
 * a forced unlock asked for by an operator, recorded under their name.
 */
export function registerStackRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const targetOf = (key: string) => parseStackKey(requestField('stack', key, StackKeySchema));

  app.get('/api/stacks', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, { stacks: await deps.store.statuses() }));
  app.get('/api/graph', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, { graph: graphOfStatuses(await deps.store.statuses()) }));
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
}
