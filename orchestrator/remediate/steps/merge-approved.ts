import { approvedMergeMessage } from '../commit-message.ts';
import { ProposalMovedError, StaleProposalError } from '../git-writer.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { audit, committed, repoOf, type StepContext } from './step-context.ts';

/**
 * merge approved (state `approved`): a person approved, so the branch is
 * merged into the deploy branch (`committed`). Exactly the commit the person
 * approved, and only while its branch still is that commit: otherwise the
 * remediation is `escalated`.
 */
export async function mergeApprovedStep(ctx: StepContext, rec: RemediationRecord): Promise<RemediationRecord> {
  const { deps } = ctx;
  const repo = repoOf(ctx, rec);
  const review = rec.reviewId ? await deps.store.review(rec.reviewId) : undefined;
  const base = await deps.git.head(repo, repo.deployBranch);
  let commit: string;
  try {
    // Exactly the commit the person approved, and only while its branch still is that commit.
    const approved = review?.commit ?? rec.proposalCommit!;
    const message = approvedMergeMessage({ branch: rec.branch!, title: rec.proposal?.title ?? rec.id, incidentId: rec.incidentId, playbook: rec.playbook, approvedBy: review?.decidedBy });
    commit = await deps.git.merge({ repo, deployBranch: repo.deployBranch, branch: rec.branch!, commit: approved, ...(rec.checkedCommit ? { checked: rec.checkedCommit } : {}), message });
  } catch (err) {
    if (err instanceof StaleProposalError || err instanceof ProposalMovedError) {
      const next = advance(rec, 'escalated', err.message);
      await audit(ctx, next, 'escalated', err.message);
      return next;
    }
    throw err;
  }
  if (review) await deps.store.saveReview({ ...review, mergedCommit: commit });
  await deps.git.deleteBranch(repo, rec.branch!).catch(() => undefined);
  return committed(ctx, rec, repo, commit, base, `merged into ${repo.deployBranch} (approved by ${review?.decidedBy ?? 'a person'})`);
}
