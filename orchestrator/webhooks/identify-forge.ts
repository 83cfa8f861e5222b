import type { HeaderLookup } from './headers.ts';

/** The forges that send webhooks (the poller and the CLI make events without one). */
export type WebhookForge = 'github' | 'gitlab' | 'gitea';

/** How a forge proves it sent the request, and what it presented. */
export type Credential =
  /** HMAC-SHA256 of the raw body, hex-encoded, after an optional fixed prefix. */
  | { scheme: 'hmac-sha256'; header: string; prefix: string; presented: string | undefined }
  /** The shared secret itself, sent as a header (GitLab). */
  | { scheme: 'token'; header: string; presented: string | undefined };

/** What the headers say about a delivery, before anything is verified. */
export interface IdentifiedDelivery {
  forge: WebhookForge;
  /** The forge's event name, for example `push` or `Merge Request Hook`. */
  eventName: string;
  /** The forge's delivery id; undefined when it sent none (GitLab before 16.x), so one is derived later. */
  deliveryId: string | undefined;
  credential: Credential;
}

export type Identification = { ok: true; delivery: IdentifiedDelivery } | { ok: false; message: string };

/** Forge names for messages. */
export const FORGE_LABEL: Record<WebhookForge, string> = { github: 'GitHub', gitlab: 'GitLab', gitea: 'Gitea' };

/**
 * Which forge sent the request, from its headers alone.
 *
 * Gitea (and Forgejo) also send `X-GitHub-Event`, `X-GitHub-Delivery` and
 * `X-Hub-Signature-256` for compatibility, so `X-Gitea-Event` is looked at first.
 * The signature header is not needed to recognise the forge: a delivery without
 * one is a known forge with a missing signature (401), not an unknown forge.
 * Header values are never echoed in messages.
 */
export function identifyForge(header: HeaderLookup): Identification {
  const giteaEvent = header('x-gitea-event');
  const githubEvent = header('x-github-event');
  const gitlabEvent = header('x-gitlab-event');

  if (giteaEvent !== undefined) {
    const deliveryId = header('x-gitea-delivery');
    if (deliveryId === undefined) return incomplete('X-Gitea-Event', 'X-Gitea-Delivery', 'Gitea');
    return identified({
      forge: 'gitea',
      eventName: giteaEvent,
      deliveryId,
      credential: { scheme: 'hmac-sha256', header: 'X-Gitea-Signature', prefix: '', presented: header('x-gitea-signature') },
    });
  }
  if (githubEvent !== undefined && gitlabEvent !== undefined) {
    return { ok: false, message: 'both X-GitHub-Event and X-Gitlab-Event are present: cannot tell which forge sent this request' };
  }
  if (githubEvent !== undefined) {
    const deliveryId = header('x-github-delivery');
    if (deliveryId === undefined) return incomplete('X-GitHub-Event', 'X-GitHub-Delivery', 'GitHub');
    return identified({
      forge: 'github',
      eventName: githubEvent,
      deliveryId,
      credential: { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', presented: header('x-hub-signature-256') },
    });
  }
  if (gitlabEvent !== undefined) {
    return identified({
      forge: 'gitlab',
      eventName: gitlabEvent,
      deliveryId: header('x-gitlab-event-uuid') ?? header('x-gitlab-webhook-uuid'),
      credential: { scheme: 'token', header: 'X-Gitlab-Token', presented: header('x-gitlab-token') },
    });
  }
  return {
    ok: false,
    message: 'not a webhook from a known forge: expected an X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header with a single value',
  };
}

function identified(delivery: IdentifiedDelivery): Identification {
  return { ok: true, delivery };
}

function incomplete(eventHeader: string, deliveryHeader: string, label: string): Identification {
  return { ok: false, message: `${eventHeader} without ${deliveryHeader}: not a complete ${label} webhook delivery` };
}
