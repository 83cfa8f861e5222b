import { Octokit } from '@octokit/rest';
import type { ForgeAdapter } from './forge.ts';
import { previewReport } from './preview-report.ts';

export interface GithubForgeOptions {
  /** A token that may comment on pull requests and set commit statuses. Never logged. */
  token: string;
  /** API base URL; default https://api.github.com (GitHub Enterprise: https://host/api/v3). */
  apiUrl?: string;
}

/** Posts previews to GitHub: one comment per preview and a `homeostat/preview` commit status. */
export function createGithubForge(options: GithubForgeOptions): ForgeAdapter {
  const octokit = new Octokit({
    auth: options.token,
    ...(options.apiUrl ? { baseUrl: options.apiUrl } : {}),
    userAgent: 'homeostat',
    // Retries are the queue's business.
    request: { retries: 0 },
  });
  const ownerRepo = (repoName: string): { owner: string; repo: string } => {
    const [owner, repo, ...rest] = repoName.split('/');
    if (!owner || !repo || rest.length > 0) throw new Error(`not a GitHub repository name: ${repoName} (expected owner/repo)`);
    return { owner, repo };
  };
  return {
    async reportPreview(target, run) {
      const { owner, repo } = ownerRepo(target.repoName);
      const report = previewReport(run);
      await octokit.rest.repos.createCommitStatus({
        owner,
        repo,
        sha: target.sha,
        state: report.state,
        context: `homeostat/preview (${run.target.stack})`,
        description: report.description,
      });
      await octokit.rest.issues.createComment({ owner, repo, issue_number: target.number, body: report.body });
    },
    async openPullRequest(target) {
      const { owner, repo } = ownerRepo(target.repoName);
      const pr = await octokit.rest.pulls.create({ owner, repo, head: target.head, base: target.base, title: target.title, body: target.body });
      return { number: pr.data.number, url: pr.data.html_url };
    },
  };
}
