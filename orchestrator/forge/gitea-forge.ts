import { z } from 'zod';
import type { ForgeAdapter } from './forge.ts';
import { answerDetail, ForgeRequestError } from './forge-request-error.ts';
import { previewReport } from './preview-report.ts';

export interface GiteaForgeOptions {
  /** An access token with write access to the repository. Never logged. */
  token: string;
  /** The instance's base URL, without `/api/v1`. */
  url: string;
  /** Time allowed for one request, in milliseconds; default 30,000. */
  timeoutMs?: number;
}

const PullRequestSchema = z.object({ number: z.number().int().positive(), html_url: z.string() });

/**
 * Posts previews to Gitea (and Forgejo, which keeps its API): one comment on
 * the pull request and a `homeostat/preview` commit status; opens
 * remediation pull requests.
 *
 * Over Gitea's REST API with `fetch` rather than `gitea-js`: three calls
 * whose shapes are stable since Gitea 1.12, each response checked with zod
 * here, and every error written by us, so the token can be kept out of it;
 * a generated client of the whole API would add a dependency for no more.
 */
export function createGiteaForge(options: GiteaForgeOptions): ForgeAdapter {
  const base = `${options.url.replace(/\/+$/, '')}/api/v1`;
  const { token } = options;
  async function post(path: string, body: Record<string, unknown>): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method: 'POST',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'homeostat' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new ForgeRequestError('Gitea', 'POST', path, undefined, err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err), token);
    }
    const text = await res.text();
    if (!res.ok) throw new ForgeRequestError('Gitea', 'POST', path, res.status, answerDetail(text), token);
    try {
      return text ? (JSON.parse(text) as unknown) : {};
    } catch {
      throw new ForgeRequestError('Gitea', 'POST', path, res.status, 'the answer is not JSON', token);
    }
  }
  return {
    async reportPreview(target, run) {
      const repo = repoPath(target.repoName);
      const report = previewReport(run);
      // Gitea's states: pending, success, error, failure, warning.
      await post(`${repo}/statuses/${encodeURIComponent(target.sha)}`, {
        state: report.state,
        context: `homeostat/preview (${run.target.stack})`,
        description: report.description,
      });
      await post(`${repo}/issues/${target.number}/comments`, { body: report.body });
    },
    async openPullRequest(target) {
      const path = `${repoPath(target.repoName)}/pulls`;
      const answer = PullRequestSchema.safeParse(await post(path, { head: target.head, base: target.base, title: target.title, body: target.body }));
      if (!answer.success) throw new ForgeRequestError('Gitea', 'POST', path, 201, `the answer has no pull request number and html_url`, token);
      return { number: answer.data.number, url: answer.data.html_url };
    },
  };
}

/** `/repos/{owner}/{repo}` for `owner/repo`, each part encoded. */
function repoPath(repoName: string): string {
  const [owner, repo, ...rest] = repoName.split('/');
  if (!owner || !repo || rest.length > 0) throw new Error(`not a Gitea repository name: ${repoName} (expected owner/repo)`);
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}
