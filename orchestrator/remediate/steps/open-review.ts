import { timelineEvent } from '../../timeline/timeline-event.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { audit, fields, type RemediationRepo, type StepContext } from './step-context.ts';

/**
 * open review: a person decides. A review item (and a pull request, when the
 * repository is on a forge) names the exact commit an approval may merge;
 * the record waits in `review` until the approval or rejection comes.
 */
export async function openReviewStep(ctx: StepContext, rec: RemediationRecord, repo: RemediationRepo, reasons: string[]): Promise<RemediationRecord> {
  const { deps } = ctx;
  const proposal = rec.proposal!;
  const reviewId = `rv-${rec.id.slice(3)}`;
  let pullRequest: { number: number; url: string } | undefined;
  const forge = deps.forge?.(repo.id);
  if (forge && repo.forgeRepoName) {
    pullRequest = await forge.openPullRequest({
      repoName: repo.forgeRepoName,
      head: rec.branch!,
      base: repo.deployBranch,
      title: proposal.title,
      body: `${proposal.explanation}\n\nWhy a person decides:\n${reasons.map((r) => `- ${r}`).join('\n')}\n\nConfidence ${(rec.confidence ?? proposal.confidence).toFixed(2)}, risk ${proposal.risk}. Incident ${rec.incidentId}.`,
    });
  }
  await deps.store.saveReview({
    id: reviewId,
    remediationId: rec.id,
    status: 'open',
    createdAt: new Date().toISOString(),
    stackKey: rec.stackKey,
    repoId: rec.repoId,
    incidentId: rec.incidentId,
    playbook: proposal.playbook,
    title: proposal.title,
    explanation: proposal.explanation,
    confidence: rec.confidence ?? proposal.confidence,
    risk: proposal.risk,
    branch: rec.branch!,
    commit: rec.proposalCommit!,
    ...(rec.checkedCommit ? { checkedCommit: rec.checkedCommit } : {}),
    reasons,
    ...(pullRequest ? { pullRequest } : {}),
  });
  const next = { ...advance(rec, 'review', `waiting for a person: ${reasons.join('; ')}`), reviewId, mode: 'review' as const, ...(pullRequest ? { pullRequest } : {}) };
  ctx.emit(timelineEvent('decision', `review: ${reasons.join('; ')}${pullRequest ? ` (pull request #${pullRequest.number})` : ` (review item ${reviewId})`}`, { ...fields(next), commit: rec.proposalCommit!, outcome: 'review' }));
  await audit(ctx, next, 'review-opened', `${proposal.title}: ${reasons.join('; ')}`, { decision: rec.decision, reviewId, branch: rec.branch, pullRequest, guardrails: rec.guardrails, policy: rec.policy });
  return next;
}
