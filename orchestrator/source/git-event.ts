import { z } from 'zod';
import { BranchNameSchema, FullRefSchema } from './ref-name.ts';

/**
 * A change in a watched repository, whatever told us about it: a GitHub,
 * GitLab or Gitea webhook, or the poller. The first data shape of the loop.
 */
export const ForgeSchema = z.enum(['github', 'gitlab', 'gitea', 'poll', 'cli']);
export type Forge = z.infer<typeof ForgeSchema>;

const sha = z.string().regex(/^[0-9a-f]{40}$/, 'a full 40-character commit id');

/** An account name on a forge, as it may appear in a record of who did something. */
export const ForgeLoginSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\[bot\])?$/, 'a forge login');

const EventBase = z.object({
  forge: ForgeSchema,
  /** Unique per delivery (the forge's delivery id, or one we derive); a repeated delivery has the same id. */
  deliveryId: z.string().min(1).max(200),
  /** The repository as the forge names it, for example `acme/infra`. */
  repoName: z.string().min(1),
  /** Clone URLs the forge gave (https, ssh); used to match a watched repository. */
  cloneUrls: z.array(z.string()).min(1),
  receivedAt: z.string(),
});

export const PushEventSchema = EventBase.extend({
  kind: z.literal('push'),
  /** Full ref, for example `refs/heads/main`; a valid ref name. */
  ref: FullRefSchema,
  /** Commit before the push; undefined for a new branch. */
  before: sha.optional(),
  /** Commit after the push; undefined when the branch was deleted. */
  after: sha.optional(),
});
export type PushEvent = z.infer<typeof PushEventSchema>;

export const PullRequestEventSchema = EventBase.extend({
  kind: z.literal('pull_request'),
  number: z.number().int().positive(),
  action: z.enum(['opened', 'synchronize', 'reopened', 'closed', 'other']),
  headSha: sha,
  /** Branch name of the head, for example `feature/scale`. */
  headRef: BranchNameSchema,
  /** Branch the pull request targets, for example `main`. */
  baseRef: BranchNameSchema,
  /** Base commit, when the forge gives it. */
  baseSha: sha.optional(),
  merged: z.boolean().default(false),
  /** The commit the merge made on the base branch, when merged and the forge says. */
  mergeCommit: sha.optional(),
  /** The forge account that merged it, when the forge says (a login: letters, digits, `-`, `_`, `.`, `[bot]`). */
  mergedBy: ForgeLoginSchema.optional(),
  /** The forge account that closed it (merged or not), when the forge says: who rejected a request closed unmerged. */
  closedBy: ForgeLoginSchema.optional(),
  /** The repository the head branch lives in, as the forge names it, when it says. */
  headRepo: z.string().min(1).optional(),
  /**
   * The head branch lives in another repository than the base (a fork), or
   * the forge does not say where (a deleted fork): its code is anyone's.
   */
  fork: z.boolean().default(false),
});
export type PullRequestEvent = z.infer<typeof PullRequestEventSchema>;

export const GitEventSchema = z.discriminatedUnion('kind', [PushEventSchema, PullRequestEventSchema]);
export type GitEvent = z.infer<typeof GitEventSchema>;

/** The branch of a `refs/heads/…` ref, or undefined for tags and other refs. */
export function branchOf(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

/**
 * A push Homeostat saw for itself by looking at the remote (a poll, or the
 * catch-up after a restart) rather than by being told by a forge.
 */
export function observedPush(input: { deliveryId: string; repoId: string; url: string; branch: string; before?: string | undefined; after: string }): PushEvent {
  return {
    kind: 'push',
    forge: 'poll',
    deliveryId: input.deliveryId,
    repoName: input.repoId,
    cloneUrls: [input.url],
    receivedAt: new Date().toISOString(),
    ref: `refs/heads/${input.branch}`,
    ...(input.before ? { before: input.before } : {}),
    after: input.after,
  };
}
