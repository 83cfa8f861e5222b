import type { z } from 'zod';
import { branchOf } from '../source/git-event.ts';
import type { GitEvent, PullRequestEvent, PushEvent } from '../source/git-event.ts';
import type { BodyEncodings } from './decode-body.ts';
import type { WebhookForge } from './identify-forge.ts';
import { presentCommit, quoted } from './payload-fields.ts';
import { describeIssues } from './payload-issues.ts';

/** What every event from one delivery shares, whatever the forge. */
export interface DeliveryMeta {
  forge: WebhookForge;
  deliveryId: string;
  /** ISO 8601. */
  receivedAt: string;
}

/** The result of reading one payload: an event to check against the GitEvent schema, nothing to do, or a bad payload. */
export type PayloadMapping =
  | { kind: 'event'; event: GitEvent }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; message: string };

export type PayloadMapper = (payload: unknown, meta: DeliveryMeta) => PayloadMapping;

/** What to do with an event name: read its payload, or ignore it without reading the body. */
export type Route = { kind: 'map'; map: PayloadMapper } | { kind: 'ignore'; reason: string };

/** One forge's knowledge of its own events and payloads. */
export interface ForgeReceiver extends BodyEncodings {
  route(eventName: string): Route;
}

/** Parses a payload with a forge's schema, or says which fields are wrong. */
export function parsePayload<S extends z.ZodType>(
  schema: S,
  payload: unknown,
): { ok: true; data: z.output<S> } | { ok: false; mapping: PayloadMapping } {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, mapping: { kind: 'invalid', message: describeIssues(parsed.error.issues, payload) } };
}

/** The fields of a push, as each forge names them. */
export interface PushFields {
  ref: string;
  before: string;
  after: string;
  repoName: string;
  cloneUrls: string[];
}

/**
 * A push event, or ignored when the ref is not a branch: tag pushes (and other refs)
 * do not change what a stack deploys.
 */
export function pushMapping(fields: PushFields, meta: DeliveryMeta): PayloadMapping {
  if (branchOf(fields.ref) === undefined) {
    const what = fields.ref.startsWith('refs/tags/') ? 'tag push' : 'push to a ref that is not a branch';
    return { kind: 'ignored', reason: `${what} (${quoted(fields.ref)}): only branch pushes are acted on` };
  }
  const before = presentCommit(fields.before);
  const after = presentCommit(fields.after);
  const event: PushEvent = {
    kind: 'push',
    ...meta,
    repoName: fields.repoName,
    cloneUrls: fields.cloneUrls,
    ref: fields.ref,
    // All-zero means none: a new branch has no `before`, a deleted one no `after`.
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  };
  return { kind: 'event', event };
}

/** The fields of a pull request event, already normalised by the forge's receiver. */
export type PullRequestFields = Omit<PullRequestEvent, 'kind' | keyof DeliveryMeta>;

/** A pull request event, or ignored when its action does not change code. */
export function pullRequestMapping(fields: PullRequestFields, rawAction: string, meta: DeliveryMeta): PayloadMapping {
  if (fields.action === 'other') {
    return { kind: 'ignored', reason: `pull request action ${quoted(rawAction)} does not change what would be deployed` };
  }
  return { kind: 'event', event: { kind: 'pull_request', ...meta, ...fields } };
}

/** The route for an event name a forge sends but Homeostat does not act on. */
export function ignoreEvent(label: string, eventName: string): Route {
  return { kind: 'ignore', reason: `${label} event ${quoted(eventName)} is not acted on: only pushes and pull requests are` };
}
