import { z } from 'zod';

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
