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

/**
 * The repository as its forge names it, from a clone URL: `owner/repo` on
 * GitHub and Gitea; on GitLab the whole project path, subgroups included
 * (`group/sub/project` from `https://gitlab.com/group/sub/project.git` or
 * `git@gitlab.com:group/sub/project.git`). Undefined when the URL has no such path.
 */
export function forgeRepoPath(url: string, forge: 'github' | 'gitlab' | 'gitea'): string | undefined {
  if (forge !== 'gitlab') return forgeRepoName(url);
  const scp = /^[^/:@]+@[^/:]+:(.+)$/.exec(url);
  let path: string;
  if (scp) path = scp[1]!;
  else {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  const clean = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  return /^[^/]+(\/[^/]+)+$/.test(clean) ? clean : undefined;
}
