import { z } from 'zod';
import { NOTIFICATION_KINDS, type NotificationKind } from '../notify/notification.ts';
import type { Secret } from './secret.ts';
import { SecretRefSchema, type SecretRef } from './secret-ref.ts';

/**
 * Config section `notifications`: where incidents, reviews, remediations,
 * drift and failed deploys are sent. A Slack incoming webhook's address holds
 * its token and a webhook's signing key is a key, so both are secrets, read
 * like every other one (`{env: NAME}` or `{file: path}`).
 */
const TargetSchema = z
  .object({
    /** Names the target in the API, the dead-letter list and the operational log: never its address. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, a letter or digit first'),
    /** `slack`: a Slack-compatible incoming webhook (message blocks); `webhook`: CloudEvents JSON, signed. */
    kind: z.enum(['slack', 'webhook']),
    url: SecretRefSchema,
    /** `webhook`: the HMAC-SHA256 key the receiver checks the signature with. */
    secret: SecretRefSchema.optional(),
    /** The kinds sent here; default every kind. */
    events: z.array(z.enum(NOTIFICATION_KINDS)).min(1).optional(),
    /** Stack names (or stack keys) sent here, `*` matching any run of characters; default every stack. */
    stacks: z.array(z.string().min(1).max(200)).min(1).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.kind === 'webhook' && !t.secret) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'a webhook target needs a signing secret, so that its receiver can tell our messages from forged ones' });
    if (t.kind === 'slack' && t.secret) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'a slack target is not signed (its address is the secret): remove secret' });
  });

export const NotificationsConfigSchema = z
  .object({
    /** The dashboard's address, for links in the messages; none without it. */
    dashboardUrl: z.string().url().optional(),
    targets: z.array(TargetSchema).default([]),
    /** Tries per message and target before it goes to the dead-letter list; default 6. */
    attempts: z.number().int().min(1).max(20).default(6),
    /** First wait between tries, doubled each time; default 2 s. */
    backoffSeconds: z.number().min(0.05).max(3600).default(2),
    /** How long a receiver may take to answer; default 10 s. */
    timeoutSeconds: z.number().min(0.1).max(120).default(10),
  })
  .strict()
  .superRefine((n, ctx) => {
    const seen = new Set<string>();
    n.targets.forEach((t, i) => {
      if (seen.has(t.id)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `duplicate target id ${t.id}` });
      seen.add(t.id);
    });
  })
  .default({ targets: [], attempts: 6, backoffSeconds: 2, timeoutSeconds: 10 });
type NotificationsFile = z.infer<typeof NotificationsConfigSchema>;

/** A target with its secrets read. */
export interface NotifyTarget {
  id: string;
  kind: 'slack' | 'webhook';
  url: Secret;
  secret?: Secret;
  events?: NotificationKind[];
  stacks?: string[];
}

export interface NotificationsConfig extends Omit<NotificationsFile, 'targets'> {
  targets: NotifyTarget[];
}

/** Reads the targets' secrets; an address that is not http(s) is a problem named by its path, never by its value. */
export function readNotifications(n: NotificationsFile, read: (ref: SecretRef, path: string) => Secret, problems: string[]): NotificationsConfig {
  return {
    ...n,
    targets: n.targets.map(({ url: urlRef, secret: secretRef, ...t }, i) => {
      const path = `notifications.targets.${i}`;
      const url = read(urlRef, `${path}.url`);
      if (url.reveal() !== '' && !isHttpUrl(url.reveal())) problems.push(`${path}.url: the value ${'env' in urlRef ? `of ${urlRef.env}` : `in ${urlRef.file}`} is not an http(s) address`);
      return { ...t, url, ...(secretRef ? { secret: read(secretRef, `${path}.secret`) } : {}) };
    }),
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
