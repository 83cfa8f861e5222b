// GitHub and Gitea send the same payload shapes for pushes and pull requests
// (Gitea copied GitHub's); only the action names and headers differ.
import { z } from 'zod';
import type { PullRequestEvent } from '../source/git-event.ts';
import { parsePayload, pullRequestMapping, pushMapping } from './forge-receiver.ts';
import type { PayloadMapper } from './forge-receiver.ts';
import { cloneUrls, closerField, commitId, fullRef, isForkHead, mergeFields, nonEmpty, optionalUrl } from './payload-fields.ts';

const RepositorySchema = z.object({
  full_name: nonEmpty,
  clone_url: nonEmpty,
  ssh_url: optionalUrl,
  html_url: optionalUrl,
});
type Repository = z.infer<typeof RepositorySchema>;

const PushPayloadSchema = z.object({
  ref: fullRef,
  before: commitId,
  after: commitId,
  repository: RepositorySchema,
});

const positiveInt = z.number().int().positive();

/** A branch's repository in a pull request (GitHub: null once a fork is deleted). */
const BranchRepoSchema = z.object({ id: z.number().int().nullish(), full_name: z.string().nullish() }).nullish();

const PullRequestPayloadSchema = z
  .object({
    action: z.string(),
    number: positiveInt.optional(),
    pull_request: z.object({
      number: positiveInt.optional(),
      merged: z.boolean().nullish(),
      merge_commit_sha: z.string().nullish(),
      merged_by: z.object({ login: z.string().nullish() }).nullish(),
      head: z.object({ ref: nonEmpty, sha: commitId, repo: BranchRepoSchema }),
      base: z.object({ ref: nonEmpty, sha: commitId.optional(), repo: BranchRepoSchema }),
    }),
    repository: RepositorySchema.extend({ id: z.number().int().nullish() }),
    /** Who acted: for `closed`, who closed (or merged) the pull request. */
    sender: z.object({ login: z.string().nullish() }).nullish(),
  })
  .superRefine((p, ctx) => {
    if (p.number === undefined && p.pull_request.number === undefined) {
      ctx.addIssue({ code: 'custom', path: ['number'], message: 'expected number (missing, and no pull_request.number either)' });
    }
  });

function repositoryUrls(r: Repository): string[] {
  return cloneUrls(r.clone_url, r.ssh_url, r.html_url);
}

/** Reads a GitHub-style `push` payload. */
export const githubStylePush: PayloadMapper = (payload, meta) => {
  const parsed = parsePayload(PushPayloadSchema, payload);
  if (!parsed.ok) return parsed.mapping;
  const p = parsed.data;
  return pushMapping(
    { ref: p.ref, before: p.before, after: p.after, repoName: p.repository.full_name, cloneUrls: repositoryUrls(p.repository) },
    meta,
  );
};

/** Reads a GitHub-style `pull_request` payload, naming actions with the forge's own table. */
export function githubStylePullRequest(actions: Readonly<Record<string, PullRequestEvent['action']>>): PayloadMapper {
  return (payload, meta) => {
    const parsed = parsePayload(PullRequestPayloadSchema, payload);
    if (!parsed.ok) return parsed.mapping;
    const p = parsed.data;
    const pr = p.pull_request;
    const number = p.number ?? pr.number;
    // Checked by the schema's refinement; kept for the type checker.
    if (number === undefined) return { kind: 'invalid', message: 'number: expected number (missing)' };
    // The base repository is the watched one (the top-level repository when the base does not name it).
    const baseRepo = pr.base.repo ?? p.repository;
    const headRepo = pr.head.repo?.full_name ?? undefined;
    return pullRequestMapping(
      {
        repoName: p.repository.full_name,
        cloneUrls: repositoryUrls(p.repository),
        number,
        action: Object.hasOwn(actions, p.action) ? (actions[p.action] ?? 'other') : 'other',
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        baseRef: pr.base.ref,
        ...(pr.base.sha === undefined ? {} : { baseSha: pr.base.sha }),
        merged: pr.merged === true,
        ...(pr.merged === true ? mergeFields(pr.merge_commit_sha, pr.merged_by?.login) : {}),
        ...closerField(p.action, p.sender?.login),
        ...(headRepo ? { headRepo } : {}),
        fork: isForkHead(pr.head.repo && { id: pr.head.repo.id, name: pr.head.repo.full_name }, { id: baseRepo.id, name: baseRepo.full_name }),
      },
      p.action,
      meta,
    );
  };
}
