import { createHmac, randomUUID } from 'node:crypto';
import { githubRepository, sendGithubWebhook } from './webhooks.ts';

export type TestForge = 'github' | 'gitlab' | 'gitea';

/**
 * Webhook deliveries as each forge sends them, over loopback to the
 * service: GitHub and Gitea sign the body with HMAC-SHA256 (Gitea as bare
 * hex in X-Gitea-Signature), GitLab sends the secret itself as X-Gitlab-Token.
 */
async function send(url: string, forge: TestForge, event: string, secret: string, payload: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  if (forge === 'github') return sendGithubWebhook(url, { event: event as 'push' | 'pull_request', secret, payload });
  const body = Buffer.from(JSON.stringify(payload));
  const headers: Record<string, string> =
    forge === 'gitlab'
      ? { 'x-gitlab-event': event, 'x-gitlab-token': secret, 'x-gitlab-event-uuid': randomUUID() }
      : { 'x-gitea-event': event, 'x-gitea-delivery': randomUUID(), 'x-gitea-signature': createHmac('sha256', secret).update(body).digest('hex') };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function gitlabProject(remote: string) {
  return { id: 15, path_with_namespace: 'acme/infra', git_http_url: remote, git_ssh_url: '', web_url: '' };
}

function giteaRepository(remote: string) {
  return { id: 7, full_name: 'acme/infra', clone_url: remote, ssh_url: '', html_url: '' };
}

/** A push of `ref` from `before` to `after`, as `forge` delivers it. */
export function sendPush(url: string, forge: TestForge, secret: string, push: { remote: string; ref: string; before: string; after: string }) {
  const { remote, ref, before, after } = push;
  if (forge === 'gitlab') return send(url, forge, 'Push Hook', secret, { object_kind: 'push', ref, before, after, project: gitlabProject(remote) });
  const repository = forge === 'github' ? githubRepository(remote) : giteaRepository(remote);
  return send(url, forge, 'push', secret, { ref, before, after, repository });
}

export interface ClosedRequest {
  remote: string;
  number: number;
  headRef: string;
  headSha: string;
  baseSha: string;
  /** Merged, with the merge commit; or closed without merging. */
  merge?: string;
  /** The forge account that merged or closed it. */
  by: string;
}

/** A pull request (GitLab: merge request) merged or closed on the forge, as `forge` delivers it. */
export function sendRequestClosed(url: string, forge: TestForge, secret: string, r: ClosedRequest) {
  const merged = r.merge !== undefined;
  if (forge === 'gitlab') {
    const project = gitlabProject(r.remote);
    return send(url, forge, 'Merge Request Hook', secret, {
      object_kind: 'merge_request',
      user: { username: r.by },
      project,
      object_attributes: {
        iid: r.number,
        action: merged ? 'merge' : 'close',
        state: merged ? 'merged' : 'closed',
        source_branch: r.headRef,
        target_branch: 'main',
        last_commit: { id: r.headSha },
        merge_commit_sha: r.merge ?? null,
        source_project_id: project.id,
        target_project_id: project.id,
      },
    });
  }
  const repository = forge === 'github' ? githubRepository(r.remote) : giteaRepository(r.remote);
  return send(url, forge, 'pull_request', secret, {
    action: 'closed',
    number: r.number,
    pull_request: {
      number: r.number,
      merged,
      merge_commit_sha: r.merge ?? null,
      merged_by: merged ? { login: r.by } : null,
      head: { ref: r.headRef, sha: r.headSha, repo: repository },
      base: { ref: 'main', sha: r.baseSha, repo: repository },
    },
    repository,
    sender: { login: r.by },
  });
}
