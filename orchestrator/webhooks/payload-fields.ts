import { z } from 'zod';
import { ForgeLoginSchema } from '../source/git-event.ts';

/** What forges send as `before`/`after` when there is no commit: a new or deleted branch. */
export const ZERO_COMMIT = '0000000000000000000000000000000000000000';

/** A full commit id, lower-case hex as every forge sends it. */
export const commitId = z.string().regex(/^[0-9a-f]{40}$/, 'expected a full 40-character commit id');

export const nonEmpty = z.string().min(1, 'expected a non-empty string');

/** A full ref, for example `refs/heads/main`. */
export const fullRef = z.string().startsWith('refs/', 'expected a full ref starting with refs/');

/** A URL the forge may leave out or send empty (Gitea without SSH). */
export const optionalUrl = z.string().nullish();

/** The commit, or undefined for the all-zero id that means "none". */
export function presentCommit(sha: string): string | undefined {
  return sha === ZERO_COMMIT ? undefined : sha;
}

/** The clone URLs the forge gave, without empty ones or repeats, https first. */
export function cloneUrls(...urls: (string | null | undefined)[]): string[] {
  return [...new Set(urls.filter((u): u is string => typeof u === 'string' && u !== ''))];
}

/** A value from a payload, quoted and shortened for a message. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
}

/** A repository as a pull request's head or base names it: the forge's id and its `owner/name`. */
export interface RepoIdentity {
  id?: number | null | undefined;
  name?: string | null | undefined;
}

/**
 * Whether a pull request's head comes from another repository than its base:
 * a head repository the forge does not name (a deleted fork) counts as one.
 * Ids are compared where both are given; names always (case-insensitively,
 * as forges treat them).
 */
export function isForkHead(head: RepoIdentity | null | undefined, base: RepoIdentity): boolean {
  if (!head || (head.id == null && !head.name)) return true;
  if (head.id != null && base.id != null && head.id !== base.id) return true;
  if (head.name && base.name) return head.name.toLowerCase() !== base.name.toLowerCase();
  return head.id == null || base.id == null;
}

/**
 * What a merged pull request says about its merge: the commit it made and who
 * made it, each kept only when it has the shape we record (a full commit id,
 * a forge login); anything else is left out rather than refusing the event.
 */
/** Who closed a pull request, when the forge names a valid login; nothing otherwise. */
export function closerField(action: string, login: string | null | undefined): { closedBy?: string } {
  return action === 'closed' && login && ForgeLoginSchema.safeParse(login).success ? { closedBy: login } : {};
}

export function mergeFields(mergeCommit: string | null | undefined, mergedBy: string | null | undefined): { mergeCommit?: string; mergedBy?: string } {
  return {
    ...(mergeCommit && commitId.safeParse(mergeCommit).success ? { mergeCommit } : {}),
    ...(mergedBy && ForgeLoginSchema.safeParse(mergedBy).success ? { mergedBy } : {}),
  };
}
