// Webhook requests as GitHub, GitLab and Gitea send them: minimal payloads with
// the real field names, signed the way each forge signs.
import { createHmac } from 'node:crypto';
import type { WebhookRequest, WebhookSecrets } from '../../../orchestrator/webhooks/index.ts';

export const SECRETS = {
  github: 'gh-whsec-7f3a9c2e81d54b06',
  gitlab: 'gl-token-51b0d8aa9e6c4f37',
  gitea: 'gt-whsec-c4e21f90a3b85d12',
} as const satisfies Required<WebhookSecrets>;

export const RECEIVED_AT = new Date('2025-03-14T09:26:53.000Z');

export const SHA = {
  a: '9049f1265b7d61be4a8904a9a27120d2064dab3b',
  b: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
  c: 'c3f6a1e0b2d94f7a8e5c6d1b0a9f8e7d6c5b4a39',
  d: 'e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e',
  zero: '0000000000000000000000000000000000000000',
} as const;

export const DELIVERY = {
  github: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  gitlab: 'f3c1a0e2-5b7d-4c9e-8a61-2d4b6e8f0a13',
  gitea: '8a4f2c1e-9d3b-4e6a-b7c5-1f0e2d3c4b5a',
} as const;

export type Forge = keyof typeof SECRETS;

// ── Payloads ────────────────────────────────────────────────────────────────

const githubRepository = {
  id: 1296269,
  name: 'infra',
  full_name: 'acme/infra',
  private: true,
  owner: { login: 'acme', id: 1 },
  html_url: 'https://github.com/acme/infra',
  clone_url: 'https://github.com/acme/infra.git',
  ssh_url: 'git@github.com:acme/infra.git',
  default_branch: 'main',
};

const giteaRepository = {
  id: 7,
  name: 'infra',
  full_name: 'acme/infra',
  private: true,
  owner: { id: 3, login: 'acme', username: 'acme' },
  html_url: 'https://gitea.example.com/acme/infra',
  clone_url: 'https://gitea.example.com/acme/infra.git',
  ssh_url: 'git@gitea.example.com:acme/infra.git',
  default_branch: 'main',
};

const gitlabProject = {
  id: 15,
  name: 'infra',
  web_url: 'https://gitlab.example.com/acme/infra',
  git_ssh_url: 'git@gitlab.example.com:acme/infra.git',
  git_http_url: 'https://gitlab.example.com/acme/infra.git',
  namespace: 'acme',
  path_with_namespace: 'acme/infra',
  default_branch: 'main',
};

export const CLONE_URLS: Record<Forge, string[]> = {
  github: [githubRepository.clone_url, githubRepository.ssh_url, githubRepository.html_url],
  gitlab: [gitlabProject.git_http_url, gitlabProject.git_ssh_url, gitlabProject.web_url],
  gitea: [giteaRepository.clone_url, giteaRepository.ssh_url, giteaRepository.html_url],
};

export interface PushShape { ref: string; before: string; after: string }

export function githubPush({ ref, before, after }: PushShape) {
  return {
    ref,
    before,
    after,
    created: before === SHA.zero,
    deleted: after === SHA.zero,
    forced: false,
    compare: `https://github.com/acme/infra/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [],
    head_commit: after === SHA.zero ? null : { id: after, message: 'Scale web to 3 replicas' },
    repository: githubRepository,
    pusher: { name: 'octocat', email: 'octocat@example.com' },
    sender: { login: 'octocat', id: 583231 },
  };
}

export function giteaPush({ ref, before, after }: PushShape) {
  return {
    ref,
    before,
    after,
    compare_url: `https://gitea.example.com/acme/infra/compare/${before}...${after}`,
    commits: [],
    total_commits: 0,
    head_commit: null,
    repository: giteaRepository,
    pusher: { id: 3, login: 'jdoe' },
    sender: { id: 3, login: 'jdoe' },
  };
}

export function gitlabPush({ ref, before, after }: PushShape) {
  return {
    object_kind: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
    event_name: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
    before,
    after,
    ref,
    ref_protected: true,
    checkout_sha: after === SHA.zero ? null : after,
    user_id: 4,
    user_username: 'jsmith',
    project_id: 15,
    project: gitlabProject,
    commits: [],
    total_commits_count: 0,
    repository: { name: 'infra', url: gitlabProject.git_ssh_url, homepage: gitlabProject.web_url },
  };
}

export const PUSH_PAYLOAD: Record<Forge, (shape: PushShape) => object> = { github: githubPush, gitlab: gitlabPush, gitea: giteaPush };
export const PUSH_EVENT_NAME: Record<Forge, string> = { github: 'push', gitlab: 'Push Hook', gitea: 'push' };

export interface PullRequestShape {
  action: string;
  number?: number;
  head?: string;
  base?: string;
  merged?: boolean;
}

export function githubPullRequest({ action, number = 42, head = SHA.c, base = SHA.a, merged = false }: PullRequestShape) {
  return {
    action,
    number,
    pull_request: {
      id: 279147437,
      number,
      state: action === 'closed' ? 'closed' : 'open',
      title: 'Scale web to 3 replicas',
      merged,
      merge_commit_sha: merged ? SHA.d : null,
      merged_by: merged ? { login: 'octocat', id: 583231 } : null,
      head: { label: 'acme:feature/scale', ref: 'feature/scale', sha: head, repo: githubRepository },
      base: { label: 'acme:main', ref: 'main', sha: base, repo: githubRepository },
    },
    repository: githubRepository,
    sender: { login: 'octocat', id: 583231 },
  };
}

export function giteaPullRequest({ action, number = 3, head = SHA.c, base = SHA.a, merged = false }: PullRequestShape) {
  return {
    action,
    number,
    pull_request: {
      id: 10,
      number,
      state: action === 'closed' ? 'closed' : 'open',
      title: 'Scale web to 3 replicas',
      merged,
      merge_commit_sha: merged ? SHA.d : null,
      head: { label: 'feature/scale', ref: 'feature/scale', sha: head, repo_id: 7, repo: giteaRepository },
      base: { label: 'main', ref: 'main', sha: base, repo_id: 7, repo: giteaRepository },
    },
    repository: giteaRepository,
    sender: { id: 3, login: 'jdoe' },
    review: null,
  };
}

export interface MergeRequestShape {
  action: string;
  iid?: number;
  head?: string;
  oldrev?: string;
  state?: string;
}

export function gitlabMergeRequest({ action, iid = 7, head = SHA.c, oldrev, state = 'opened' }: MergeRequestShape) {
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: { id: 4, name: 'Jane Smith', username: 'jsmith' },
    project: gitlabProject,
    object_attributes: {
      id: 99,
      iid,
      title: 'Scale web to 3 replicas',
      source_branch: 'feature/scale',
      target_branch: 'main',
      source_project_id: 15,
      target_project_id: 15,
      source: gitlabProject,
      target: gitlabProject,
      state,
      merge_status: 'can_be_merged',
      url: 'https://gitlab.example.com/acme/infra/-/merge_requests/7',
      last_commit: { id: head, message: 'Scale web to 3 replicas', timestamp: '2025-03-14T09:20:00+00:00' },
      action,
      ...(oldrev === undefined ? {} : { oldrev }),
    },
    labels: [],
    changes: {},
    repository: { name: 'infra', url: gitlabProject.git_ssh_url, homepage: gitlabProject.web_url },
  };
}

/** The head of a fork of acme/infra, as each forge describes that repository. */
export const FORK = {
  github: { ...githubRepository, id: 88410231, name: 'infra', full_name: 'mallory/infra', fork: true, owner: { login: 'mallory', id: 66 }, html_url: 'https://github.com/mallory/infra', clone_url: 'https://github.com/mallory/infra.git', ssh_url: 'git@github.com:mallory/infra.git' },
  gitea: { ...giteaRepository, id: 19, full_name: 'mallory/infra', fork: true, owner: { id: 9, login: 'mallory', username: 'mallory' }, html_url: 'https://gitea.example.com/mallory/infra', clone_url: 'https://gitea.example.com/mallory/infra.git', ssh_url: 'git@gitea.example.com:mallory/infra.git' },
  gitlab: { ...gitlabProject, id: 21, namespace: 'mallory', path_with_namespace: 'mallory/infra', web_url: 'https://gitlab.example.com/mallory/infra', git_ssh_url: 'git@gitlab.example.com:mallory/infra.git', git_http_url: 'https://gitlab.example.com/mallory/infra.git' },
} as const;

/** The same pull request, opened from mallory's fork (`null`: a fork deleted since, as GitHub then sends it). */
export function fromFork(forge: Forge, payload: object, head: object | null = FORK[forge]): object {
  const p = structuredClone(payload) as { object_attributes?: Record<string, unknown>; pull_request?: { head: Record<string, unknown> } };
  if (forge === 'gitlab') {
    const mr = p.object_attributes!;
    mr.source = head;
    mr.source_project_id = head ? (head as { id: number }).id : null;
    return p;
  }
  const headBranch = p.pull_request!.head as Record<string, unknown>;
  headBranch.repo = head;
  headBranch.label = 'mallory:feature/scale';
  if (forge === 'gitea') headBranch.repo_id = head ? (head as { id: number }).id : 0;
  return p;
}

export const PULL_REQUEST_EVENT_NAME: Record<Forge, string> = { github: 'pull_request', gitlab: 'Merge Request Hook', gitea: 'pull_request' };

// ── Requests ────────────────────────────────────────────────────────────────

export function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface RequestOptions {
  /** The secret the forge signs with; default: the one we configured. */
  secret?: string;
  contentType?: string;
}

/**
 * A request exactly as the forge sends it, with lower-case header names as Node
 * gives them. Gitea also sends GitHub's compatibility headers, as the real one does.
 */
export function forgeRequest(forge: Forge, eventName: string, payload: object | Buffer | string, options: RequestOptions = {}): WebhookRequest {
  const rawBody = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const secret = options.secret ?? SECRETS[forge];
  const contentType = options.contentType ?? 'application/json';
  const signature = hmacHex(secret, rawBody);
  const headers = ((): Record<string, string> => {
    switch (forge) {
      case 'github':
        return {
          'x-github-event': eventName,
          'x-github-delivery': DELIVERY.github,
          'x-github-hook-id': '292430182',
          'x-hub-signature': `sha1=${createHmac('sha1', secret).update(rawBody).digest('hex')}`,
          'x-hub-signature-256': `sha256=${signature}`,
          'user-agent': 'GitHub-Hookshot/044aadd',
        };
      case 'gitlab':
        return {
          'x-gitlab-event': eventName,
          'x-gitlab-token': secret,
          'x-gitlab-event-uuid': DELIVERY.gitlab,
          'x-gitlab-instance': 'https://gitlab.example.com',
          'user-agent': 'GitLab/17.9.0',
        };
      case 'gitea':
        return {
          'x-gitea-event': eventName,
          'x-gitea-event-type': eventName,
          'x-gitea-delivery': DELIVERY.gitea,
          'x-gitea-signature': signature,
          'x-gogs-event': eventName,
          'x-github-event': eventName,
          'x-github-delivery': DELIVERY.gitea,
          'x-hub-signature-256': `sha256=${signature}`,
          'user-agent': 'Go-http-client/1.1',
        };
    }
  })();
  return { headers: { ...headers, 'content-type': contentType, 'content-length': String(rawBody.length) }, rawBody, receivedAt: RECEIVED_AT };
}

/** The same request with some headers changed; `undefined` removes one. */
export function withHeaders(req: WebhookRequest, changes: Record<string, string | string[] | undefined>): WebhookRequest {
  const headers = { ...req.headers };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { ...req, headers };
}

/** The same request with another body, keeping the original signature. */
export function withBody(req: WebhookRequest, body: string | Buffer): WebhookRequest {
  return { ...req, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

/** The header that carries each forge's signature or token. */
export const SIGNATURE_HEADER: Record<Forge, string> = { github: 'x-hub-signature-256', gitlab: 'x-gitlab-token', gitea: 'x-gitea-signature' };

export const FORGES: readonly Forge[] = ['github', 'gitlab', 'gitea'];
