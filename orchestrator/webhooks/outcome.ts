import type { GitEvent } from '../source/git-event.ts';

/** A webhook request as the HTTP server received it, before anything is parsed. */
export interface WebhookRequest {
  /** Request headers; names in any case (Node lower-cases them, tests and proxies may not). */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: signatures are computed over these bytes. */
  rawBody: Buffer;
  /** When the server received the request; becomes the event's `receivedAt`. */
  receivedAt: Date;
}

/**
 * The shared secret configured for each forge's webhooks. A forge whose secret is
 * undefined (or empty: an empty HMAC key is no secret) is not accepted at all.
 */
export interface WebhookSecrets {
  github?: string;
  gitlab?: string;
  gitea?: string;
}

/** Limits applied before anything else is looked at. */
export interface WebhookLimits {
  /** Largest body accepted, in bytes. Default: 1 MiB (1,048,576). */
  maxBodyBytes?: number;
}

/** Default for {@link WebhookLimits.maxBodyBytes}: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Why a request was rejected; a fixed set, each with one HTTP status. */
export type WebhookRejectReason =
  | 'body-too-large'
  | 'unknown-forge'
  | 'forge-not-configured'
  | 'missing-signature'
  | 'bad-signature'
  | 'unsupported-content-type'
  | 'malformed-json'
  | 'invalid-payload';

/** The HTTP status the server answers with, per reason. */
export const REJECT_STATUS = {
  'body-too-large': 413,
  'unknown-forge': 400,
  'forge-not-configured': 403,
  'missing-signature': 401,
  'bad-signature': 401,
  'unsupported-content-type': 415,
  'malformed-json': 400,
  'invalid-payload': 422,
} as const satisfies Record<WebhookRejectReason, 400 | 401 | 403 | 413 | 415 | 422>;

/** What to do with one webhook request. */
export type WebhookOutcome =
  /** A change to hand to the source stage. */
  | { kind: 'event'; event: GitEvent }
  /** Valid and signed, but nothing to do: a ping, a tag push, an event or action we do not act on. */
  | { kind: 'ignored'; status: 202; reason: string }
  /** Not accepted. `message` is safe to send back to the caller: it never holds a secret. */
  | { kind: 'rejected'; status: (typeof REJECT_STATUS)[WebhookRejectReason]; reason: WebhookRejectReason; message: string };

export type RejectedOutcome = Extract<WebhookOutcome, { kind: 'rejected' }>;
export type IgnoredOutcome = Extract<WebhookOutcome, { kind: 'ignored' }>;

/** A rejection with the status that belongs to its reason. */
export function reject(reason: WebhookRejectReason, message: string): RejectedOutcome {
  return { kind: 'rejected', status: REJECT_STATUS[reason], reason, message };
}

/** Nothing to do: answered 202 so the forge does not retry. */
export function ignore(reason: string): IgnoredOutcome {
  return { kind: 'ignored', status: 202, reason };
}
