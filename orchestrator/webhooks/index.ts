// Webhook receivers for GitHub, GitLab and Gitea: the raw request in, a GitEvent
// (or a reason not to act) out. The HTTP server owns sockets and status codes.
export { receiveWebhook } from './receive-webhook.ts';
export { DEFAULT_MAX_BODY_BYTES, REJECT_STATUS } from './outcome.ts';
export type { WebhookLimits, WebhookOutcome, WebhookRejectReason, WebhookRequest, WebhookSecrets } from './outcome.ts';
export type { WebhookForge } from './identify-forge.ts';
