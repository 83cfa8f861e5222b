import { Gitlab, GitbeakerRequestError } from '@gitbeaker/rest';
import type { ForgeAdapter } from './forge.ts';
import { ForgeRequestError, withoutSecret } from './forge-request-error.ts';
import { previewReport } from './preview-report.ts';

export interface GitlabForgeOptions {
  /** A token with the `api` scope, sent as `PRIVATE-TOKEN`. Never logged. */
  token: string;
  /** The instance's base URL, without `/api/v4`; default https://gitlab.com. */
  url?: string;
  /** Time allowed for one request, in milliseconds; default 30,000. */
  timeoutMs?: number;
}

/** GitLab's commit status states for a preview's verdict. */
const STATE = { success: 'success', failure: 'failed' } as const;

/**
 * Posts previews to GitLab: a note on the merge request and a
 * `homeostat/preview` commit status (GitLab's external pipeline status);
 * opens remediation merge requests. Projects are named by their full path
 * (`group/subgroup/project`), which the client URL-encodes.
 */
export function createGitlabForge(options: GitlabForgeOptions): ForgeAdapter {
  const api = new Gitlab({ host: options.url ?? 'https://gitlab.com', token: options.token, queryTimeout: options.timeoutMs ?? 30_000 });
  const { token } = options;
  // Every call goes through here: a failure becomes an error we wrote, without the client's request (which carries the token).
  async function call<T>(method: string, path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof GitbeakerRequestError) {
        throw new ForgeRequestError('GitLab', method, path, err.cause?.response.status, err.cause?.description ?? err.message, token);
      }
      throw new ForgeRequestError('GitLab', method, path, undefined, withoutSecret(err instanceof Error ? err.message : String(err), token), token);
    }
  }
  return {
    async reportPreview(target, run) {
      const project = projectPath(target.repoName);
      const report = previewReport(run);
      const where = `/projects/${encodeURIComponent(project)}`;
      await call('POST', `${where}/statuses/${target.sha}`, () =>
        api.Commits.editStatus(project, target.sha, STATE[report.state], { name: `homeostat/preview (${run.target.stack})`, description: report.description }),
      );
      await call('POST', `${where}/merge_requests/${target.number}/notes`, () => api.MergeRequestNotes.create(project, target.number, report.body));
    },
    async openPullRequest(target) {
      const project = projectPath(target.repoName);
      const mr = await call('POST', `/projects/${encodeURIComponent(project)}/merge_requests`, () =>
        api.MergeRequests.create(project, target.head, target.base, target.title, { description: target.body }),
      );
      return { number: mr.iid, url: mr.web_url };
    },
  };
}

/** A project path has at least a namespace and a name. */
function projectPath(repoName: string): string {
  if (!/^[^/\s]+(\/[^/\s]+)+$/.test(repoName)) throw new Error(`not a GitLab project path: ${repoName} (expected group/project or group/subgroup/project)`);
  return repoName;
}
