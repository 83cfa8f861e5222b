import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AuditTypeSchema, type AuditLog } from '../audit/index.ts';
import type { GuardrailLedger } from '../remediate/guardrail-ledger.ts';
import { RuntimeControlsSchema } from '../remediate/guardrail-ledger.ts';
import type { RemediationStore } from '../remediate/remediation-store.ts';
import { ReviewError, type ReviewActions } from '../remediate/review-actions.ts';

/** What the remediation API needs. */
export interface RemediationApiDeps {
  store: RemediationStore;
  reviews: ReviewActions;
  ledger: GuardrailLedger;
  audit: AuditLog;
  /** The config file's dry-run and kill switch, which the run-time controls override. */
  configured: { dryRun: boolean; killSwitch: boolean };
}

/** An error with the HTTP status to answer with. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DecisionBodySchema = z.object({ by: z.string().trim().min(1, 'say who decides').max(200), reason: z.string().max(2000).optional() }).strict();

/** Parses a JSON body with a schema; every problem is named with its field. */
export function parseBody<T>(raw: Buffer, schema: z.ZodType<T>): T {
  let doc: unknown = {};
  if (raw.length > 0) {
    try {
      doc = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError(400, 'body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) throw new ApiError(422, parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return parsed.data;
}

function limitOf(url: URL, max = 1000): number {
  const n = Number(url.searchParams.get('limit') ?? 50);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, `limit: expected a whole number from 1 to ${max}`);
  return n;
}

/**
 * The remediation API: review items and a person's decision on them,
 * remediation records, the audit log and its verification, the run-time
 * controls (dry-run, kill switch) and the playbooks' track record.
 * Returns false for paths it does not serve.
 */
export async function remediationRoute(
  deps: RemediationApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  io: { send(status: number, body: unknown): void; body(): Promise<Buffer>; requireToken(): void },
): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  let m: RegExpExecArray | null;
  const decideReview = async (id: string, approve: boolean) => {
    io.requireToken();
    const body = parseBody(await io.body(), DecisionBodySchema);
    try {
      const review = approve ? await deps.reviews.approve(id, body.by) : await deps.reviews.reject(id, body.by, body.reason);
      io.send(200, { review });
    } catch (err) {
      if (err instanceof ReviewError) throw new ApiError(err.status, err.message);
      throw err;
    }
  };

  if (method === 'GET' && path === '/api/reviews') {
    const status = url.searchParams.get('status');
    const parsed = z.enum(['open', 'approved', 'rejected', 'superseded']).optional().safeParse(status ?? undefined);
    if (!parsed.success) throw new ApiError(400, 'status: expected open, approved, rejected or superseded');
    io.send(200, { reviews: await deps.store.reviews({ ...(parsed.data ? { status: parsed.data } : {}), limit: limitOf(url) }) });
    return true;
  }
  if (method === 'GET' && (m = /^\/api\/reviews\/([^/]+)$/.exec(path))) {
    const review = await deps.store.review(decodeURIComponent(m[1]!));
    if (!review) throw new ApiError(404, `no review item ${m[1]}`);
    io.send(200, { review });
    return true;
  }
  if (method === 'POST' && (m = /^\/api\/reviews\/([^/]+)\/(approve|reject)$/.exec(path))) {
    await decideReview(decodeURIComponent(m[1]!), m[2] === 'approve');
    return true;
  }
  if (method === 'GET' && path === '/api/remediations') {
    const incidentId = url.searchParams.get('incident') ?? undefined;
    const stackKey = url.searchParams.get('stack') ?? undefined;
    io.send(200, { remediations: await deps.store.list({ limit: limitOf(url), ...(incidentId ? { incidentId } : {}), ...(stackKey ? { stackKey } : {}) }) });
    return true;
  }
  if (method === 'GET' && (m = /^\/api\/remediations\/([^/]+)$/.exec(path))) {
    const remediation = await deps.store.get(decodeURIComponent(m[1]!));
    if (!remediation) throw new ApiError(404, `no remediation ${m[1]}`);
    io.send(200, { remediation });
    return true;
  }
  if (method === 'GET' && path === '/api/audit') {
    const type = url.searchParams.get('type') ?? undefined;
    const parsedType = AuditTypeSchema.optional().safeParse(type);
    if (!parsedType.success) throw new ApiError(400, `type: not an audit entry type: ${type}`);
    const before = url.searchParams.get('before');
    const incidentId = url.searchParams.get('incident') ?? undefined;
    const stackKey = url.searchParams.get('stack') ?? undefined;
    const entries = await deps.audit.list({
      limit: limitOf(url),
      ...(before ? { beforeSeq: Number(before) } : {}),
      ...(incidentId ? { incidentId } : {}),
      ...(stackKey ? { stackKey } : {}),
      ...(parsedType.data ? { type: parsedType.data } : {}),
    });
    io.send(200, { entries });
    return true;
  }
  if (method === 'GET' && path === '/api/audit/verify') {
    io.send(200, await deps.audit.verify());
    return true;
  }
  if (method === 'GET' && path === '/api/controls') {
    io.send(200, { controls: { ...deps.configured, ...(await deps.ledger.controls()) } });
    return true;
  }
  if ((method === 'PUT' || method === 'POST') && path === '/api/controls') {
    io.requireToken();
    const change = parseBody(await io.body(), RuntimeControlsSchema);
    const by = String(req.headers['x-homeostat-user'] ?? 'api');
    const controls = await deps.ledger.setControls(change);
    await deps.audit.append({ type: 'control-changed', actor: by, summary: Object.entries(change).map(([k, v]) => `${k} ${v ? 'on' : 'off'}`).join(', ') || 'no change', data: { change, controls } });
    io.send(200, { controls: { ...deps.configured, ...controls } });
    return true;
  }
  if (method === 'GET' && path === '/api/track-record') {
    io.send(200, await deps.ledger.trackRecord());
    return true;
  }
  return false;
}
