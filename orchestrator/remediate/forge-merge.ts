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
  const by = `${event.mergedBy ?? 'someone'} on ${event.forge} (pull request #${event.number})`;
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
