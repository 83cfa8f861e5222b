import type { PullRequestEvent } from '../source/git-event.ts';
import type { ReviewItem } from './remediation-record.ts';

/** What a pull request merged on the forge means for the review items. */
export type ForgeMergeVerdict =
  | { kind: 'not-ours' }
  /** The merged head is the commit that passed the policy check: the merge is the approval. */
  | { kind: 'checked'; item: ReviewItem; by: string; commit: string }
  /** The merged head is not what was checked: the item is not taken as approved. */
  | { kind: 'unchecked'; item: ReviewItem; by: string; message: string };

/**
 * Whether a merged pull request was one of our open review items, and
 * whether what it merged is exactly what was checked. A person may merge a
 * proposal's branch on the forge instead of approving it here; the same rule
 * holds as for an approval: only the head that passed the policy check counts
 * as the remediation. A merged head that moved since is the person's own
 * change: the deploy branch's new head is checked and deployed like any push,
 * but it is not verified as this remediation. Pure.
 */
export function forgeMergeVerdict(open: readonly ReviewItem[], repo: { id: string; deployBranch: string }, event: PullRequestEvent): ForgeMergeVerdict {
  if (event.action !== 'closed' || !event.merged || event.fork || event.baseRef !== repo.deployBranch) return { kind: 'not-ours' };
  const item = open.find((i) => i.status === 'open' && i.repoId === repo.id && i.branch === event.headRef);
  if (!item) return { kind: 'not-ours' };
  const by = forgeActor(event.mergedBy ?? event.closedBy, event);
  if (event.headSha !== item.commit) {
    return {
      kind: 'unchecked',
      item,
      by,
      message: `${event.headRef} was merged at ${event.headSha.slice(0, 12)}, not at ${item.commit.slice(0, 12)}, the commit that passed the policy check: it is not taken as this remediation; the deploy branch's new head is checked and deployed like any push`,
    };
  }
  return { kind: 'checked', item, by, commit: event.mergeCommit ?? event.headSha };
}

/** What a pull request closed unmerged on the forge means for the review items. */
export type ForgeCloseVerdict =
  | { kind: 'not-ours' }
  /** One of our open review items was closed without merging: a person said no, on the forge. */
  | { kind: 'rejected'; item: ReviewItem; by: string; reason: string };

/**
 * Whether a pull request closed unmerged was one of our open review items.
 * Closing is the forge's "no": the item is rejected, as a rejection here
 * would. When the item records the pull request we opened, only that one
 * counts: another request from the same branch, closed, decides nothing
 * about ours. Pure.
 */
export function forgeCloseVerdict(open: readonly ReviewItem[], repo: { id: string; deployBranch: string }, event: PullRequestEvent): ForgeCloseVerdict {
  if (event.action !== 'closed' || event.merged || event.fork || event.baseRef !== repo.deployBranch) return { kind: 'not-ours' };
  const item = open.find((i) => i.status === 'open' && i.repoId === repo.id && i.branch === event.headRef);
  if (!item || (item.pullRequest && item.pullRequest.number !== event.number)) return { kind: 'not-ours' };
  const by = forgeActor(event.closedBy, event);
  return { kind: 'rejected', item, by, reason: `${requestName(event)} closed without merging on ${event.forge}` };
}

/** `alice on gitlab (merge request !7)`: who acted, where, on which request; `someone` when the forge does not say. */
function forgeActor(login: string | undefined, event: PullRequestEvent): string {
  return `${login ?? 'someone'} on ${event.forge} (${requestName(event)})`;
}

/** How each forge names its requests: GitLab's merge requests are `!iid`, the others' pull requests `#number`. */
function requestName(event: Pick<PullRequestEvent, 'forge' | 'number'>): string {
  return event.forge === 'gitlab' ? `merge request !${event.number}` : `pull request #${event.number}`;
}
