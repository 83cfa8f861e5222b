import type { RunRecord } from '../records/run-record.ts';

/** Where pull-request previews are posted back. */
export interface ForgeAdapter {
  /** Posts a preview of a pull request: a comment and a commit status. */
  reportPreview(target: { repoName: string; number: number; sha: string }, run: RunRecord): Promise<void>;
  /** Opens a pull request of `head` into `base` (a remediation waiting for a person). */
  openPullRequest(target: { repoName: string; head: string; base: string; title: string; body: string }): Promise<{ number: number; url: string }>;
}

/** `acme/infra` from `https://github.com/acme/infra.git` or `git@github.com:acme/infra.git`; undefined for other URLs. */
export function forgeRepoName(url: string): string | undefined {
  const m = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}
