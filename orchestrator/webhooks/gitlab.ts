import { z } from 'zod';
import type { PullRequestEvent } from '../source/git-event.ts';
import { ignoreEvent, parsePayload, pullRequestMapping, pushMapping } from './forge-receiver.ts';
import type { ForgeReceiver, PayloadMapper } from './forge-receiver.ts';
import { cloneUrls, closerField, commitId, fullRef, isForkHead, mergeFields, nonEmpty, optionalUrl } from './payload-fields.ts';

const ProjectSchema = z.object({
  path_with_namespace: nonEmpty,
  git_http_url: nonEmpty,
  git_ssh_url: optionalUrl,
  web_url: optionalUrl,
});
type Project = z.infer<typeof ProjectSchema>;

const PushPayloadSchema = z.object({
  ref: fullRef,
  before: commitId,
  after: commitId,
  project: ProjectSchema,
});

/** The source or target project of a merge request, as the hook describes it. */
const MergeRequestProjectSchema = z.object({ id: z.number().int().nullish(), path_with_namespace: z.string().nullish() }).nullish();

const MergeRequestPayloadSchema = z.object({
  object_attributes: z.object({
    iid: z.number().int().positive(),
    action: z.string(),
    /** Present on `update` only when new commits were pushed. */
    oldrev: commitId.nullish(),
    state: z.string().nullish(),
    source_branch: nonEmpty,
    target_branch: nonEmpty,
    last_commit: z.object({ id: commitId }),
    merge_commit_sha: z.string().nullish(),
    /** Where the source branch lives: another project than the target for a merge request from a fork. */
    source_project_id: z.number().int().nullish(),
    target_project_id: z.number().int().nullish(),
    source: MergeRequestProjectSchema,
    target: MergeRequestProjectSchema,
  }),
  project: ProjectSchema.extend({ id: z.number().int().nullish() }),
  /** Who triggered the hook: for a `merge`, who merged. */
  user: z.object({ username: z.string().nullish() }).nullish(),
});

function projectUrls(p: Project): string[] {
  return cloneUrls(p.git_http_url, p.git_ssh_url, p.web_url);
}

const push: PayloadMapper = (payload, meta) => {
  const parsed = parsePayload(PushPayloadSchema, payload);
  if (!parsed.ok) return parsed.mapping;
  const p = parsed.data;
  return pushMapping(
    { ref: p.ref, before: p.before, after: p.after, repoName: p.project.path_with_namespace, cloneUrls: projectUrls(p.project) },
    meta,
  );
};

/**
 * GitLab's merge request actions. `update` is sent for title, label and assignee
 * changes too; only an `update` carrying `oldrev` brought new commits.
 */
function actionOf(action: string, oldrev: string | null | undefined): PullRequestEvent['action'] {
  switch (action) {
    case 'open':
      return 'opened';
    case 'update':
      return oldrev ? 'synchronize' : 'other';
    case 'reopen':
      return 'reopened';
    case 'close':
    case 'merge':
      return 'closed';
    default:
      return 'other';
  }
}

const mergeRequest: PayloadMapper = (payload, meta) => {
  const parsed = parsePayload(MergeRequestPayloadSchema, payload);
  if (!parsed.ok) return parsed.mapping;
  const { object_attributes: mr, project } = parsed.data;
  const headRepo = mr.source?.path_with_namespace ?? undefined;
  const source = { id: mr.source_project_id ?? mr.source?.id, name: headRepo };
  const target = { id: mr.target_project_id ?? mr.target?.id ?? project.id, name: mr.target?.path_with_namespace ?? project.path_with_namespace };
  const merged = mr.action === 'merge' || mr.state === 'merged';
  const action = actionOf(mr.action, mr.oldrev);
  return pullRequestMapping(
    {
      repoName: project.path_with_namespace,
      cloneUrls: projectUrls(project),
      number: mr.iid,
      action,
      headSha: mr.last_commit.id,
      headRef: mr.source_branch,
      baseRef: mr.target_branch,
      // GitLab's merge request hook carries no base commit.
      merged,
      ...(merged ? mergeFields(mr.merge_commit_sha, parsed.data.user?.username) : {}),
      ...closerField(action, parsed.data.user?.username),
      ...(headRepo ? { headRepo } : {}),
      fork: isForkHead(source.id == null && !source.name ? undefined : source, target),
    },
    mr.action === 'update' && !mr.oldrev ? 'update (without new commits)' : mr.action,
    meta,
  );
};

/** GitLab: `X-Gitlab-Event` names the hook; the shared secret arrives as `X-Gitlab-Token`. */
export const gitlabReceiver: ForgeReceiver = {
  label: 'GitLab',
  formPayload: false,
  route(eventName) {
    switch (eventName) {
      case 'Push Hook':
        return { kind: 'map', map: push };
      case 'Merge Request Hook':
        return { kind: 'map', map: mergeRequest };
      case 'Tag Push Hook':
        return { kind: 'ignore', reason: 'GitLab tag push: only branch pushes are acted on' };
      default:
        return ignoreEvent('GitLab', eventName);
    }
  },
};
