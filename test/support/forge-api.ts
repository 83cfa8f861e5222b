import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A forge's REST API on loopback that holds each request to the forge's
 * documented shape: a known method and path, the forge's auth header with
 * the expected token, a JSON body of the documented fields (unknown fields
 * refused) and values. A request of any other shape is answered 4xx, as the
 * forge would, so the adapter under test fails on it; `refused` says why.
 */
export interface ForgeApi {
  url: string;
  /** Requests accepted, in order, with the route that took them. */
  requests: { route: string; method: string; path: string; params: Record<string, string>; headers: IncomingHttpHeaders; body: Record<string, unknown> }[];
  /** Requests answered 4xx, each with the reason. */
  refused: string[];
  close(): Promise<void>;
}

export interface ForgeRoute {
  name: string;
  method: 'POST' | 'GET' | 'PUT';
  /** Matched against the path without the query; named groups become `params`. */
  path: RegExp;
  body: z.ZodType;
  /** Status and JSON of the answer; default 201 and `{id: n}`. */
  answer?: (params: Record<string, string>, body: Record<string, unknown>) => { status: number; json: unknown };
}

export interface ForgeApiSpec {
  /** The reason a request's credentials are refused, or undefined when they are the expected ones. */
  auth(headers: IncomingHttpHeaders): string | undefined;
  routes: ForgeRoute[];
}

export async function startForgeApi(spec: ForgeApiSpec): Promise<ForgeApi> {
  const requests: ForgeApi['requests'] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      const refuse = (status: number, why: string) => {
        refused.push(`${req.method} ${req.url}: ${why}`);
        answer(status, { message: why });
      };
      const path = (req.url ?? '').split('?')[0]!;
      const route = spec.routes.find((r) => r.method === req.method && r.path.test(path));
      if (!route) return refuse(404, 'no such endpoint');
      const params = { ...(route.path.exec(path)?.groups ?? {}) };
      const denied = spec.auth(req.headers);
      if (denied) return refuse(401, denied);
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return refuse(415, `content-type ${req.headers['content-type'] ?? '(none)'} is not application/json`);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse(400, 'body is not JSON');
      }
      const parsed = route.body.safeParse(body);
      if (!parsed.success) return refuse(422, parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
      const recorded = body as Record<string, unknown>;
      requests.push({ route: route.name, method: req.method!, path, params, headers: req.headers, body: recorded });
      const out = route.answer?.(params, recorded) ?? { status: 201, json: { id: requests.length } };
      answer(out.status, out.json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, refused, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const SHA = '(?<sha>[0-9a-f]{40})';
const text = z.string().min(1);

/**
 * GitLab REST v4 (docs.gitlab.com/api/commits/#set-the-pipeline-status-of-a-commit,
 * /api/notes/#create-new-merge-request-note, /api/merge_requests/#create-mr).
 * A project is named by its numeric id or its URL-encoded path; auth is
 * `PRIVATE-TOKEN: <token>` or `Authorization: Bearer <token>`.
 */
export function gitlabApiSpec(token: string, mergeRequest = { iid: 5, web_url: 'https://gitlab.example/acme/infra/-/merge_requests/5' }): ForgeApiSpec {
  const project = '(?<project>\\d+|[^/]+%2F[^/]+)';
  return {
    auth: (h) => (h['private-token'] === token || h.authorization === `Bearer ${token}` ? undefined : 'expected PRIVATE-TOKEN or Authorization: Bearer with the token'),
    routes: [
      {
        name: 'commit status',
        method: 'POST',
        path: new RegExp(`^/api/v4/projects/${project}/statuses/${SHA}$`),
        body: z
          .object({
            state: z.enum(['pending', 'running', 'success', 'failed', 'canceled']),
            ref: z.string().optional(),
            name: z.string().optional(),
            context: z.string().optional(),
            target_url: z.string().optional(),
            description: z.string().optional(),
            coverage: z.number().optional(),
            pipeline_id: z.number().int().optional(),
          })
          .strict(),
      },
      {
        name: 'merge request note',
        method: 'POST',
        path: new RegExp(`^/api/v4/projects/${project}/merge_requests/(?<iid>\\d+)/notes$`),
        body: z.object({ body: text, internal: z.boolean().optional(), created_at: z.string().optional(), merge_request_diff_head_sha: z.string().optional() }).strict(),
      },
      {
        name: 'create merge request',
        method: 'POST',
        path: new RegExp(`^/api/v4/projects/${project}/merge_requests$`),
        body: z
          .object({
            source_branch: text,
            target_branch: text,
            title: text,
            description: z.string().optional(),
            remove_source_branch: z.boolean().optional(),
            squash: z.boolean().optional(),
            target_project_id: z.number().int().optional(),
            labels: z.string().optional(),
          })
          .strict(),
        answer: () => ({ status: 201, json: { id: 9001, ...mergeRequest, state: 'opened' } }),
      },
    ],
  };
}

/**
 * Gitea API v1 (the swagger at /api/swagger: repoCreateStatus with
 * CreateStatusOption, issueCreateComment with CreateIssueCommentOption,
 * repoCreatePullRequest with CreatePullRequestOption); auth is
 * `Authorization: token <token>`.
 */
export function giteaApiSpec(token: string, pull = { number: 3, html_url: 'https://gitea.example/acme/infra/pulls/3' }): ForgeApiSpec {
  const repo = '/api/v1/repos/(?<owner>[^/]+)/(?<repo>[^/]+)';
  return {
    auth: (h) => (h.authorization === `token ${token}` ? undefined : 'expected Authorization: token <token>'),
    routes: [
      {
        name: 'commit status',
        method: 'POST',
        path: new RegExp(`^${repo}/statuses/${SHA}$`),
        body: z
          .object({ state: z.enum(['pending', 'success', 'error', 'failure', 'warning']), target_url: z.string().optional(), description: z.string().optional(), context: z.string().optional() })
          .strict(),
      },
      { name: 'issue comment', method: 'POST', path: new RegExp(`^${repo}/issues/(?<index>\\d+)/comments$`), body: z.object({ body: text }).strict() },
      {
        name: 'create pull request',
        method: 'POST',
        path: new RegExp(`^${repo}/pulls$`),
        body: z
          .object({
            head: text,
            base: text,
            title: text,
            body: z.string().optional(),
            assignee: z.string().optional(),
            assignees: z.array(z.string()).optional(),
            labels: z.array(z.number().int()).optional(),
            milestone: z.number().int().optional(),
            due_date: z.string().optional(),
          })
          .strict(),
        answer: () => ({ status: 201, json: { id: 77, ...pull, state: 'open' } }),
      },
    ],
  };
}

/**
 * GitHub REST (docs.github.com/rest: repos/statuses#create-a-commit-status,
 * issues/comments#create-an-issue-comment, pulls#create-a-pull-request);
 * auth is `Authorization: token <token>` or `Bearer <token>`.
 */
export function githubApiSpec(token: string, pull = { number: 42, html_url: 'https://github.example/acme/infra/pull/42' }): ForgeApiSpec {
  const repo = '/repos/(?<owner>[^/]+)/(?<repo>[^/]+)';
  return {
    auth: (h) => (h.authorization === `token ${token}` || h.authorization === `Bearer ${token}` ? undefined : 'expected Authorization: token|Bearer <token>'),
    routes: [
      {
        name: 'commit status',
        method: 'POST',
        path: new RegExp(`^${repo}/statuses/${SHA}$`),
        body: z
          .object({ state: z.enum(['error', 'failure', 'pending', 'success']), target_url: z.string().nullable().optional(), description: z.string().nullable().optional(), context: z.string().optional() })
          .strict(),
      },
      { name: 'issue comment', method: 'POST', path: new RegExp(`^${repo}/issues/(?<number>\\d+)/comments$`), body: z.object({ body: text }).strict() },
      {
        name: 'create pull request',
        method: 'POST',
        path: new RegExp(`^${repo}/pulls$`),
        body: z
          .object({ title: text, head: text, base: text, body: z.string().optional(), draft: z.boolean().optional(), maintainer_can_modify: z.boolean().optional(), head_repo: z.string().optional(), issue: z.number().int().optional() })
          .strict(),
        answer: () => ({ status: 201, json: { id: 1, ...pull, state: 'open' } }),
      },
    ],
  };
}
