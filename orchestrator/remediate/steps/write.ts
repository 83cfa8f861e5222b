import type { Proposal } from '../../../remediations/proposal.ts';
import type { Decision, PolicyResult } from '../../decide/index.ts';
import { parseStackKey } from '../../model/stack-key.ts';
import { remediationCommitMessage } from '../commit-message.ts';
import { StaleProposalError } from '../git-writer.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { reject } from './reject.ts';
import { committed, repoOf, type RemediationRepo, type StepContext } from './step-context.ts';

/**
 * write: the proposal's commits. First on a branch of its own for the policy
 * check; once decided, the same change again with the evidence in its
 * message; and, for an automatic decision, that commit as the deploy
 * branch's new head.
 */

/**
 * policy: the change on a branch of its own, previewed by the engine with the
 * policy packs (a preview job on the deploy queue). Ends in `checking`, or
 * `rejected` when the change no longer applies to the deploy branch's head.
 */
export async function writeForPolicyCheck(ctx: StepContext, rec: RemediationRecord, draft: { proposal: Proposal; confidence: number; early: Decision }): Promise<RemediationRecord> {
  const { deps } = ctx;
  const { proposal, confidence, early } = draft;
  const repo = repoOf(ctx, rec);
  const base = await deps.git.head(repo, repo.deployBranch);
  const branch = `homeostat/${rec.id}`;
  const message = remediationCommitMessage({ proposal, confidence, policy: { passed: true, violations: [] }, decision: early, previewCounts: {} });
  let proposalCommit: string;
  try {
    proposalCommit = await deps.git.commitProposal({ repo, base, branch, proposal, message });
  } catch (err) {
    if (err instanceof StaleProposalError) return reject(ctx, rec, [`the proposal no longer applies: ${err.message}`]);
    throw err;
  }
  const { jobId } = await deps.deployQueue.enqueue(parseStackKey(rec.stackKey), proposalCommit, false, { kind: 'remediation', remediationId: rec.id, incidentId: rec.incidentId, playbook: proposal.playbook }, { suffix: 'policy' });
  return { ...advance(rec, 'checking', `policy check of ${proposalCommit.slice(0, 12)} on ${branch}`), branch, proposalCommit, baseCommit: base, policy: { passed: false, violations: [], runId: jobId, counts: {} } };
}

/** What a decided proposal's commit message carries. */
export interface DecidedChange {
  proposal: Proposal;
  policy: PolicyResult;
  decision: Pick<Decision, 'decision' | 'reasons'>;
  /** Preview counts of the policy check. */
  counts: Record<string, number>;
  /** The policy check's run. */
  runId: string;
  /** `sha256:…` of the update plan the check saved. */
  planDigest?: string;
}

/** The same change again on its branch, its message now carrying the policy result, preview and decision; returns the new commit. */
export async function writeDecided(ctx: StepContext, rec: RemediationRecord, repo: RemediationRepo, change: DecidedChange): Promise<string> {
  const { proposal, policy, decision, counts, runId, planDigest } = change;
  const message = remediationCommitMessage({ proposal, confidence: rec.confidence ?? proposal.confidence, policy, decision, previewCounts: counts, previewRunId: runId, ...(planDigest ? { previewPlanDigest: planDigest } : {}) });
  return ctx.deps.git.commitProposal({ repo, base: rec.baseCommit!, branch: rec.branch!, proposal, message });
}

/**
 * auto: the proposal's commit becomes the deploy branch's head, if nothing
 * moved it meanwhile (`committed`); if something did, back to `proposing`
 * from the new head (and a new policy check).
 */
export async function writeToDeployBranch(ctx: StepContext, rec: RemediationRecord, repo: RemediationRepo, commit: string, promoted: boolean): Promise<RemediationRecord> {
  const { deps } = ctx;
  const base = rec.baseCommit!;
  if (!(await deps.git.advance({ repo, branch: repo.deployBranch, expected: base, commit }))) {
    // The deploy branch moved: start again from its new head (and a new policy check).
    const again = advance({ ...rec, proposalCommit: undefined, branch: undefined }, 'proposing', `${repo.deployBranch} moved while the proposal was checked; proposing again`);
    await deps.git.deleteBranch(repo, rec.branch!).catch(() => undefined);
    return again;
  }
  await deps.git.deleteBranch(repo, rec.branch!).catch(() => undefined);
  await deps.ledger.recordChange(rec.stackKey, rec.proposal!.playbook, Date.now(), rec.id);
  return committed(ctx, { ...rec, mode: 'auto' }, repo, commit, base, `committed to ${repo.deployBranch}${promoted ? ' (playbook promoted by its track record)' : ''}`);
}
