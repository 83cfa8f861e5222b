import type { Proposal } from '../../../remediations/proposal.ts';
import { decide, promotable, type PolicyResult } from '../../decide/index.ts';
import type { RemediationRecord } from '../remediation-record.ts';
import { openReviewStep } from './open-review.ts';
import { reject } from './reject.ts';
import { repoOf, thresholdOf, type StepContext } from './step-context.ts';
import { writeDecided, writeToDeployBranch } from './write.ts';

/** The policy check's answer, as the decision needs it. */
export interface PolicyAnswer {
  proposal: Proposal;
  policy: PolicyResult;
  /** Preview counts of the check's run. */
  counts: Record<string, number>;
  runId: string;
  /** `sha256:…` of the update plan the check saved, if it saved one. */
  planDigest?: string;
}

/**
 * decide: auto, review or reject, from the guardrails recorded at proposal
 * time, the policy check and the confidence (no threshold for a playbook
 * promoted by its track record; for a promoted playbook's proactive
 * change, medium risk is accepted too). Rejected, it ends here; otherwise the
 * change is written again with the decision in its message, then opened for
 * review or moved onto the deploy branch.
 */
export async function decideStep(ctx: StepContext, rec: RemediationRecord, answer: PolicyAnswer): Promise<RemediationRecord> {
  const { proposal, policy } = answer;
  const trackRecord = await ctx.deps.ledger.counts(proposal.playbook, rec.stackKey);
  const promoted = promotable(trackRecord, ctx.deps.config.promoteAfter);
  const threshold = promoted ? 0 : thresholdOf(ctx, rec.stackKey);
  // A proactive change is at least medium risk (runPlaybook): a person approves it unless the playbook was promoted on this stack.
  const acceptedRisk = promoted && proposal.proactive === true ? 'medium' : 'low';
  const decision = decide(
    { ...proposal, confidence: rec.confidence ?? proposal.confidence },
    { guardrails: rec.guardrails ?? [], policyResult: policy, stackThreshold: threshold, acceptedRisk },
  );
  const next: RemediationRecord = { ...rec, decision: { ...decision, ...(promoted ? { promoted } : {}) } };
  if (decision.decision === 'reject') return reject(ctx, next, decision.reasons);

  const repo = repoOf(ctx, next);
  const final = await writeDecided(ctx, next, repo, { ...answer, decision });
  if (decision.decision === 'review') return openReviewStep(ctx, { ...next, proposalCommit: final }, repo, decision.reasons);
  return writeToDeployBranch(ctx, next, repo, final, promoted);
}
