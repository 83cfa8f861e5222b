import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuditTypeSchema, type AuditLog } from '../audit/index.ts';
import type { GuardrailLedger } from '../remediate/guardrail-ledger.ts';
import { RuntimeControlsSchema } from '../remediate/guardrail-ledger.ts';
import type { RemediationStore } from '../remediate/remediation-store.ts';
import { RemediationIdSchema, ReviewIdSchema } from '../remediate/remediation-record.ts';
import { ReviewError, type ReviewActions } from '../remediate/review-actions.ts';
import { IncidentIdSchema } from '../model/record-ids.ts';
import { StackKeySchema } from '../model/stack-key.ts';
import { HttpError, refuseBy } from './http-error.ts';
import { optionalField, requestField } from './request-fields.ts';
import { sendJson } from './send-json.ts';
import { principalOf } from './route-auth.ts';

/** What the remediation API needs. */
export interface RemediationApiDeps {
  store: RemediationStore;
  reviews: ReviewActions;
  ledger: GuardrailLedger;
  audit: AuditLog;
  /** The config file's dry-run and kill switch, which the run-time controls override. */
  configured: { dryRun: boolean; killSwitch: boolean };
}

const DecisionBodySchema = z.object({ reason: z.string().max(2000).optional() }).strict();

/** Checks a parsed JSON body against a schema; every problem is named with its field. */
export function parseBody<T>(doc: unknown, schema: z.ZodType<T>): T {
  if (doc !== undefined && doc !== null && typeof doc === 'object' && !Array.isArray(doc)) refuseBy(doc as Record<string, unknown>);
  const parsed = schema.safeParse(doc ?? {});
  if (!parsed.success) throw new HttpError(422, parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return parsed.data;
}

function limitOf(value: string | undefined, max = 1000): number {
  const n = Number(value ?? 50);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, `limit: expected a whole number from 1 to ${max}`);
  return n;
}

type Query = Record<string, string | undefined>;

/**
 * The remediation API: review items and a person's decision on them,
 * remediation records, the audit log and its verification, the run-time
 * controls (dry-run, kill switch) and the playbooks' track record. Who
 * decides or changes a control is the authenticated principal.
 */
export function registerRemediationRoutes(app: FastifyInstance, deps: RemediationApiDeps): void {
  const decideReview = (approve: boolean) => async (req: FastifyRequest<{ Params: { id: string }; Body: unknown }>, reply: FastifyReply) => {
    const id = requestField('id', req.params.id, ReviewIdSchema);
    const body = parseBody(req.body, DecisionBodySchema);
    const by = principalOf(req).name;
    try {
      const review = approve ? await deps.reviews.approve(id, by) : await deps.reviews.reject(id, by, body.reason);
      return sendJson(reply, 200, { review });
    } catch (err) {
      if (err instanceof ReviewError) throw new HttpError(err.status, err.message);
      throw err;
    }
  };

  app.get<{ Querystring: Query }>('/api/reviews', { config: { access: 'viewer' } }, async (req, reply) => {
    const status = req.query.status;
    const parsed = z.enum(['open', 'approved', 'rejected', 'superseded']).optional().safeParse(status ?? undefined);
    if (!parsed.success) throw new HttpError(400, 'status: expected open, approved, rejected or superseded');
    return sendJson(reply, 200, { reviews: await deps.store.reviews({ ...(parsed.data ? { status: parsed.data } : {}), limit: limitOf(req.query.limit) }) });
  });
  app.get<{ Params: { id: string } }>('/api/reviews/:id', { config: { access: 'viewer' } }, async (req, reply) => {
    const id = requestField('id', req.params.id, ReviewIdSchema);
    const review = await deps.store.review(id);
    if (!review) throw new HttpError(404, `no review item ${id}`);
    return sendJson(reply, 200, { review });
  });
  app.post('/api/reviews/:id/approve', { config: { access: 'approver' } }, decideReview(true));
  app.post('/api/reviews/:id/reject', { config: { access: 'approver' } }, decideReview(false));
  app.get<{ Querystring: Query }>('/api/remediations', { config: { access: 'viewer' } }, async (req, reply) => {
    const incidentId = optionalField('incident', req.query.incident, IncidentIdSchema);
    const stackKey = optionalField('stack', req.query.stack, StackKeySchema);
    return sendJson(reply, 200, { remediations: await deps.store.list({ limit: limitOf(req.query.limit), ...(incidentId ? { incidentId } : {}), ...(stackKey ? { stackKey } : {}) }) });
  });
  app.get<{ Params: { id: string } }>('/api/remediations/:id', { config: { access: 'viewer' } }, async (req, reply) => {
    const id = requestField('id', req.params.id, RemediationIdSchema);
    const remediation = await deps.store.get(id);
    if (!remediation) throw new HttpError(404, `no remediation ${id}`);
    return sendJson(reply, 200, { remediation });
  });
  app.get<{ Querystring: Query }>('/api/audit', { config: { access: 'viewer' } }, async (req, reply) => {
    const type = req.query.type || undefined;
    const parsedType = AuditTypeSchema.optional().safeParse(type);
    if (!parsedType.success) throw new HttpError(400, `type: not an audit entry type: ${type}`);
    const before = req.query.before;
    const incidentId = optionalField('incident', req.query.incident, IncidentIdSchema);
    const stackKey = optionalField('stack', req.query.stack, StackKeySchema);
    const entries = await deps.audit.list({
      limit: limitOf(req.query.limit),
      ...(before ? { beforeSeq: Number(before) } : {}),
      ...(incidentId ? { incidentId } : {}),
      ...(stackKey ? { stackKey } : {}),
      ...(parsedType.data ? { type: parsedType.data } : {}),
    });
    return sendJson(reply, 200, { entries });
  });
  app.get('/api/audit/verify', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, await deps.audit.verify()));
  app.get('/api/controls', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, { controls: { ...deps.configured, ...(await deps.ledger.controls()) } }));
  const setControls = async (req: FastifyRequest, reply: FastifyReply) => {
    const change = parseBody(req.body, RuntimeControlsSchema);
    const by = principalOf(req).name;
    const controls = await deps.ledger.setControls(change);
    await deps.audit.append({ type: 'control-changed', actor: by, summary: Object.entries(change).map(([k, v]) => `${k} ${v ? 'on' : 'off'}`).join(', ') || 'no change', data: { change, controls } });
    return sendJson(reply, 200, { controls: { ...deps.configured, ...controls } });
  };
  app.put('/api/controls', { config: { access: 'operator' } }, setControls);
  app.post('/api/controls', { config: { access: 'operator' } }, setControls);
  app.get('/api/track-record', { config: { access: 'viewer' } }, async (_req, reply) => sendJson(reply, 200, await deps.ledger.trackRecord()));
}
