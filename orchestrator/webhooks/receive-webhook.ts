import { GitEventSchema } from '../source/git-event.ts';
import { decodeBody } from './decode-body.ts';
import type { DeliveryMeta, ForgeReceiver } from './forge-receiver.ts';
import { giteaReceiver } from './gitea.ts';
import { githubReceiver } from './github.ts';
import { gitlabReceiver } from './gitlab.ts';
import { readHeaders } from './headers.ts';
import type { HeaderLookup } from './headers.ts';
import { FORGE_LABEL, identifyForge } from './identify-forge.ts';
import type { IdentifiedDelivery, WebhookForge } from './identify-forge.ts';
import { DEFAULT_MAX_BODY_BYTES, ignore, reject } from './outcome.ts';
import type { RejectedOutcome, WebhookLimits, WebhookOutcome, WebhookRequest, WebhookSecrets } from './outcome.ts';
import { describeIssues } from './payload-issues.ts';
import { hmacSha256Matches, sha256Hex, sharedTokenMatches } from './signatures.ts';

const RECEIVERS: Record<WebhookForge, ForgeReceiver> = {
  github: githubReceiver,
  gitlab: gitlabReceiver,
  gitea: giteaReceiver,
};

/**
 * Decides what one webhook request means: a {@link GitEvent} for the source stage,
 * nothing to do (202), or a rejection with the HTTP status to answer.
 *
 * The checks run in a fixed order, and each stops at the first failure:
 * body size, forge, configured secret, signature over the raw bytes, event name,
 * content type, JSON, payload fields, and finally the GitEvent schema. Nothing
 * in the body is read before the signature is verified.
 *
 * Pure apart from hashing: no I/O, no clock (the caller passes `receivedAt`).
 * Throws only on a caller's mistake: a `maxBodyBytes` that is not a positive integer,
 * or an invalid `receivedAt` date.
 *
 * @param secrets per forge; a forge without one is refused with 403.
 * @param limits `maxBodyBytes` defaults to 1 MiB.
 */
export function receiveWebhook(req: WebhookRequest, secrets: WebhookSecrets, limits: WebhookLimits = {}): WebhookOutcome {
  const outcome = decide(req, secrets, limits);
  return outcome.kind === 'event' ? outcome : redactSecrets(outcome, secrets);
}

function decide(req: WebhookRequest, secrets: WebhookSecrets, limits: WebhookLimits): WebhookOutcome {
  // Size: before anything else, so an oversized body costs no hashing or parsing.
  const maxBodyBytes = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  }
  if (req.rawBody.length > maxBodyBytes) {
    return reject('body-too-large', `body is ${req.rawBody.length} bytes; the limit is ${maxBodyBytes}`);
  }

  // Forge: from the headers alone.
  const header = readHeaders(req.headers);
  const identified = identifyForge(header);
  if (!identified.ok) return reject('unknown-forge', identified.message);
  const delivery = identified.delivery;
  const label = FORGE_LABEL[delivery.forge];

  // Secret: a forge we hold no secret for is not accepted at all.
  const secret = secrets[delivery.forge];
  if (secret === undefined || secret === '') {
    return reject('forge-not-configured', `${label} webhooks are not accepted here: no ${label} webhook secret is configured`);
  }

  // Signature: over the raw bytes, before they are parsed.
  const refused = authenticate(delivery, secret, req.rawBody, header);
  if (refused) return refused;

  // Event name: events we do not act on are answered without reading the body.
  const receiver = RECEIVERS[delivery.forge];
  const route = receiver.route(delivery.eventName);
  if (route.kind === 'ignore') return ignore(route.reason);

  // Content type and JSON.
  const body = decodeBody(header('content-type'), req.rawBody, receiver);
  if (!body.ok) return reject(body.reason, body.message);

  // Payload: the forge's fields, mapped to a GitEvent or ignored.
  const meta: DeliveryMeta = {
    forge: delivery.forge,
    // A delivery without an id (older GitLab) gets one from its content: a resent body gets the same id.
    deliveryId: delivery.deliveryId ?? `sha256:${sha256Hex(req.rawBody)}`,
    receivedAt: req.receivedAt.toISOString(),
  };
  const mapping = route.map(body.json, meta);
  if (mapping.kind === 'ignored') return ignore(mapping.reason);
  if (mapping.kind === 'invalid') return reject('invalid-payload', `${label} ${delivery.eventName} payload: ${mapping.message}`);

  // Schema: what leaves here is a GitEvent, whatever the forge sent.
  const checked = GitEventSchema.safeParse(mapping.event);
  if (!checked.success) {
    return reject('invalid-payload', `the event read from this ${label} delivery is not valid: ${describeIssues(checked.error.issues, mapping.event)}`);
  }
  return { kind: 'event', event: checked.data };
}

/** A rejection when the delivery does not prove it knows the secret; undefined when it does. */
function authenticate(delivery: IdentifiedDelivery, secret: string, rawBody: Buffer, header: HeaderLookup): RejectedOutcome | undefined {
  const { credential } = delivery;
  const label = FORGE_LABEL[delivery.forge];
  if (credential.presented === undefined) {
    const sha1Only = delivery.forge === 'github' && header('x-hub-signature') !== undefined
      ? ' (only the SHA-1 X-Hub-Signature was sent, which is not accepted)'
      : '';
    return reject('missing-signature', `${label} delivery has no ${credential.header} header${sha1Only}: set the webhook's secret`);
  }
  if (credential.scheme === 'token') {
    return sharedTokenMatches(secret, credential.presented)
      ? undefined
      : reject('bad-signature', `${credential.header} does not match the configured ${label} secret`);
  }
  const { presented, prefix } = credential;
  const hex = presented.slice(0, prefix.length).toLowerCase() === prefix ? presented.slice(prefix.length) : undefined;
  return hex !== undefined && hmacSha256Matches(secret, rawBody, hex)
    ? undefined
    : reject('bad-signature', `${credential.header} is not ${prefix ? `"${prefix}" followed by ` : ''}the hex HMAC-SHA256 of the body under the configured ${label} secret`);
}

/**
 * Defence in depth: messages are built from fixed texts, header names and field
 * paths, so a secret should never reach one, but if it ever did, it is cut out here.
 */
function redactSecrets(outcome: Exclude<WebhookOutcome, { kind: 'event' }>, secrets: WebhookSecrets): WebhookOutcome {
  const known = [secrets.github, secrets.gitlab, secrets.gitea].filter((s): s is string => typeof s === 'string' && s !== '');
  const scrub = (text: string) => known.reduce((t, s) => t.split(s).join('[redacted]'), text);
  return outcome.kind === 'ignored' ? { ...outcome, reason: scrub(outcome.reason) } : { ...outcome, message: scrub(outcome.message) };
}
