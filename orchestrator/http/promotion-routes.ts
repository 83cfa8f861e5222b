import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditLog } from '../audit/index.ts';
import { pausePromotion, resumePromotion, type ControlResult, type Promotion } from '../promote/index.ts';
import type { PromotionStore } from '../records/promotion-store.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { HttpError, refuseBy } from './http-error.ts';
import { fieldsOf, requestField } from './request-fields.ts';
import { principalOf } from './route-auth.ts';
import { sendJson } from './send-json.ts';

/** What the promotion routes need: the store every process shares, and the audit log for an operator's pause and resume. */
export interface PromotionApiDeps {
  store: PromotionStore;
  audit: AuditLog;
  /**
   * The shared timeline: a pause or resume goes on it, so every open dashboard redraws the
   * promotion at once (its event stream is the timeline). Default: none.
   */
  emit?: TimelineSink;
}

const RepoIdSchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/, 'a repository id');
const CommitSchema = z.string().regex(/^[0-9a-f]{40}$/, 'a full commit SHA (40 hex digits)');
type PromotionRoute = { Params: { repo: string; commit: string }; Body: unknown };

/**
 * Where each change stands in its repository's promotion waves (viewers),
 * and an operator's pause and resume, recorded in the audit log under the
 * authenticated principal's name.
 */
export function registerPromotionRoutes(app: FastifyInstance, deps: PromotionApiDeps): void {
  app.get<{ Querystring: { limit?: string } }>('/api/promotions', { config: { access: 'viewer' } }, async (req, reply) => {
    const limit = Number(req.query.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'limit: expected a whole number from 1 to 500');
    return sendJson(reply, 200, { promotions: await deps.store.list(limit) });
  });
  app.get<PromotionRoute>('/api/promotions/:repo/:commit', { config: { access: 'viewer' } }, async (req, reply) => {
    const [repo, commit] = [requestField('repo', req.params.repo, RepoIdSchema), requestField('commit', req.params.commit, CommitSchema)];
    const p = await deps.store.get(repo, commit);
    if (!p) throw new HttpError(404, `no promotion of ${commit} in ${repo}`);
    return sendJson(reply, 200, { promotion: p });
  });

  const control = (verb: 'pause' | 'resume', change: (p: Promotion, by: string, now: number) => ControlResult) =>
    app.post<PromotionRoute>(`/api/promotions/:repo/:commit/${verb}`, { config: { access: 'operator' }, bodyLimit: 4096 }, async (req, reply) => {
      const [repo, commit] = [requestField('repo', req.params.repo, RepoIdSchema), requestField('commit', req.params.commit, CommitSchema)];
      refuseBy(fieldsOf(req.body));
      const by = principalOf(req).name;
      let refused: string | undefined;
      const stored = await deps.store.update(repo, commit, (p) => {
        const r = change(p, by, Date.now());
        refused = r.ok ? undefined : r.why;
        return r.ok ? r.promotion : undefined;
      });
      if (!stored) throw new HttpError(404, `no promotion of ${commit} in ${repo}`);
      if (refused) throw new HttpError(409, refused);
      const waves = stored.waves.map((w) => `${w.name} ${w.state}`).join(', ');
      await deps.audit.append({ type: 'control-changed', actor: by, commit, summary: `promotion of ${commit.slice(0, 7)} in ${repo} ${verb === 'pause' ? 'paused' : 'resumed'} by ${by} (${waves})`, data: { repo, promotion: verb, state: stored.state, ...(stored.halt ? { halt: stored.halt } : {}) } });
      const done = verb === 'pause' ? 'paused' : 'resumed';
      deps.emit?.(timelineEvent('decision', `promotion of ${commit.slice(0, 7)} in ${repo} ${done} by ${by}`, { commit, outcome: done }));
      return sendJson(reply, 200, { promotion: stored });
    });
  control('pause', pausePromotion);
  control('resume', resumePromotion);
}
