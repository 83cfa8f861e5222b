import type { AuditEntryInput } from '../audit/index.ts';
import type { PullRequestEvent } from '../source/git-event.ts';
import { forgeCloseVerdict, forgeMergeVerdict, type ForgeCloseVerdict, type ForgeMergeVerdict } from './forge-merge.ts';
import { ProposalMovedError, type GitWriter } from './git-writer.ts';
import type { GuardrailLedger } from './guardrail-ledger.ts';
import { advance, ReviewIdSchema, type ReviewItem } from './remediation-record.ts';
import type { RemediationQueue } from './remediation-queue.ts';
import type { RemediationStore } from './remediation-store.ts';
import type { RemediationRepo } from './remediation-worker.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

export interface ReviewActionsDeps {
  store: RemediationStore;
  queue: RemediationQueue;
  ledger: GuardrailLedger;
  git: GitWriter;
  audit: { append(entry: AuditEntryInput): Promise<unknown> };
  repo(id: string): RemediationRepo | undefined;
  emit?: TimelineSink;
}

export class ReviewError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** Records the decision on an open item, once: 404 for no such item, 409 for one decided already. */
async function decided(deps: ReviewActionsDeps, id: string, status: 'approved' | 'rejected', by: string, reason?: string): Promise<ReviewItem> {
  const who = by.trim();
  if (!who) throw new ReviewError(409, 'say who decides: a non-empty "by"');
  const item = await deps.store.decideReview(id, { status, decidedBy: who, ...(reason ? { reason } : {}) });
  if (item === undefined) throw new ReviewError(404, `no review item ${id}`);
  if (item === false) throw new ReviewError(409, `review item ${id} was already decided`);
  return item;
}

/** A review id from a URL names a Redis key and, through its item, a branch: it must have the shape we make. */
function checkedId(id: string): string {
  const parsed = ReviewIdSchema.safeParse(id);
  if (!parsed.success) throw new ReviewError(400, `id: ${parsed.error.issues[0]?.message ?? 'not a review id'} (got ${JSON.stringify(id.slice(0, 100))})`);
  return parsed.data;
}

/**
 * An approval merges exactly the commit that was checked. When the item's
 * branch moved since (someone pushed to it), the approval is refused and
 * nothing is merged: the item is closed as `superseded`, and the
 * remediation escalated, saying it needs a new policy check.
 */
async function refuseMoved(deps: ReviewActionsDeps, emit: TimelineSink, id: string, by: string): Promise<void> {
  const open = await deps.store.review(id);
  if (!open || open.status !== 'open') return; // decided() below says why
  const repo = deps.repo(open.repoId);
  if (!repo) throw new ReviewError(409, `review item ${id} belongs to repository ${open.repoId}, which is not watched`);
  try {
    await deps.git.verifyProposal({ repo, branch: open.branch, commit: open.commit, ...(open.checkedCommit ? { checked: open.checkedCommit } : {}) });
  } catch (err) {
    if (!(err instanceof ProposalMovedError)) throw err;
    const who = by.trim();
    const item = await deps.store.decideReview(id, { status: 'superseded', decidedBy: who, reason: err.message });
    const rec = await deps.store.get(open.remediationId);
    if (item && rec) await deps.store.save(advance(rec, 'escalated', `approval by ${who} refused: ${err.message}`));
    await deps.audit.append({ type: 'escalated', actor: who, stackKey: open.stackKey, incidentId: open.incidentId, playbook: open.playbook, commit: open.commit, summary: `${open.title}: approval refused, ${err.message}`, data: { reviewId: id, remediationId: open.remediationId, branch: open.branch } });
    emit(timelineEvent('decision', `${open.title}: approval by ${who} refused: ${err.message}`, { stack: open.stackKey.split('/').pop(), incident: open.incidentId, playbook: open.playbook, outcome: 'refused' }));
    throw new ReviewError(409, `review item ${id}: ${err.message}`);
  }
}

/**
 * What follows any approval, here or by a merge on the forge: the ledger
 * counts it, the stack's run of automatic rollbacks ends (a person acted),
 * the decision is recorded (`record`), and the remediation's job is queued
 * to go on (`cause` names the job, so a repeated approval adds nothing).
 */
async function approvalTaken(deps: ReviewActionsDeps, item: ReviewItem, cause: 'approved' | 'merged-on-forge', record: () => Promise<void>): Promise<void> {
  await deps.ledger.recordOutcome({ playbook: item.playbook, stackKey: item.stackKey, event: 'approved', mode: 'review' });
  await deps.ledger.resetRollbacks(item.stackKey);
  await record();
  await deps.queue.add({ remediationId: item.remediationId, incidentId: item.incidentId, stackKey: item.stackKey, cause: 'approved' }, cause);
}

/**
 * A pull request merged on the forge. When it merged one of our open
 * review items at exactly the commit that passed the policy check, the
 * merge is the approval, recorded with the forge account that made it, and
 * the remediation goes on to the deploy of the merge and its verification.
 * When it merged a head that moved since, the item is closed as
 * `superseded` and the remediation escalated: what was deployed is not
 * what was checked as this remediation.
 */
async function followForgeMerge(deps: ReviewActionsDeps, emit: TimelineSink, repoId: string, event: PullRequestEvent): Promise<ForgeMergeVerdict['kind']> {
  const repo = deps.repo(repoId);
  if (!repo) return 'not-ours';
  const verdict = forgeMergeVerdict(await deps.store.reviews({ status: 'open' }), repo, event);
  if (verdict.kind === 'not-ours') return verdict.kind;
  const { item, by } = verdict;
  const fields = { stack: item.stackKey.split('/').pop(), incident: item.incidentId, playbook: item.playbook };
  const auditData = { reviewId: item.id, remediationId: item.remediationId, branch: item.branch, pullRequest: event.number, mergedHead: event.headSha };
  if (verdict.kind === 'unchecked') {
    // Someone else decided it meanwhile (an approval here): that decision stands.
    if (!(await deps.store.decideReview(item.id, { status: 'superseded', decidedBy: by, reason: verdict.message }))) return 'not-ours';
    const rec = await deps.store.get(item.remediationId);
    if (rec) await deps.store.save(advance(rec, 'escalated', `merged by ${by}: ${verdict.message}`));
    await deps.audit.append({ type: 'escalated', actor: by, stackKey: item.stackKey, incidentId: item.incidentId, playbook: item.playbook, commit: event.headSha, summary: `${item.title}: merged by ${by}, ${verdict.message}`, data: auditData });
    emit(timelineEvent('decision', `${item.title}: merged by ${by}: ${verdict.message}`, { ...fields, commit: event.headSha, outcome: 'refused' }));
    return verdict.kind;
  }
  const decidedItem = await deps.store.decideReview(item.id, { status: 'approved', decidedBy: by });
  if (!decidedItem) return 'not-ours';
  await deps.store.saveReview({ ...decidedItem, mergedCommit: verdict.commit });
  const rec = await deps.store.get(item.remediationId);
  if (rec) await deps.store.save({ ...advance(rec, 'committed', `${verdict.commit.slice(0, 12)} merged by ${by}, at the checked commit ${item.commit.slice(0, 12)}`), commit: verdict.commit });
  await approvalTaken(deps, item, 'merged-on-forge', async () => {
    await deps.audit.append({ type: 'review-approved', actor: by, stackKey: item.stackKey, incidentId: item.incidentId, playbook: item.playbook, commit: verdict.commit, summary: `${item.title}: merged by ${by} at the checked commit`, data: auditData });
    emit(timelineEvent('decision', `${item.title}: merged by ${by} at the checked commit`, { ...fields, commit: verdict.commit, outcome: 'approved' }));
  });
  return verdict.kind;
}

/**
 * What follows any rejection, here or by a close on the forge: the
 * proposal's branch is deleted, the remediation recorded as rejected, the
 * ledger counts it, and the audit log and the timeline say who decided.
 */
async function rejectionTaken(deps: ReviewActionsDeps, emit: TimelineSink, item: ReviewItem, reason?: string): Promise<void> {
  const repo = deps.repo(item.repoId);
  if (repo) await deps.git.deleteBranch(repo, item.branch);
  const rec = await deps.store.get(item.remediationId);
  const said = `rejected by ${item.decidedBy}${reason ? `: ${reason}` : ''}`;
  if (rec) await deps.store.save(advance(rec, 'rejected', said));
  await deps.ledger.recordOutcome({ playbook: item.playbook, stackKey: item.stackKey, event: 'rejected', mode: 'review' });
  const data = { reviewId: item.id, remediationId: item.remediationId, branch: item.branch, ...(item.pullRequest ? { pullRequest: item.pullRequest.number } : {}) };
  await deps.audit.append({ type: 'review-rejected', actor: item.decidedBy!, stackKey: item.stackKey, incidentId: item.incidentId, playbook: item.playbook, commit: item.commit, summary: `${item.title}: ${said}`, data });
  emit(timelineEvent('decision', `${item.title}: rejected by ${item.decidedBy}`, { stack: item.stackKey.split('/').pop(), incident: item.incidentId, playbook: item.playbook, outcome: 'rejected' }));
}

/**
 * A pull request closed unmerged on the forge. When it was one of our open
 * review items, the close is the rejection, recorded with the forge account
 * that closed it, exactly as a rejection here. An item decided meanwhile
 * keeps that decision.
 */
async function followForgeClose(deps: ReviewActionsDeps, emit: TimelineSink, repoId: string, event: PullRequestEvent): Promise<ForgeCloseVerdict['kind']> {
  const repo = deps.repo(repoId);
  if (!repo) return 'not-ours';
  const verdict = forgeCloseVerdict(await deps.store.reviews({ status: 'open' }), repo, event);
  if (verdict.kind === 'not-ours') return verdict.kind;
  const item = await deps.store.decideReview(verdict.item.id, { status: 'rejected', decidedBy: verdict.by, reason: verdict.reason });
  if (!item) return 'not-ours';
  await rejectionTaken(deps, emit, item, verdict.reason);
  return verdict.kind;
}

/**
 * A person's decision on a review item. Approving hands the remediation back
 * to the worker, which merges the branch and follows the change through
 * deploy and verification under the stack's remediation lock; rejecting
 * deletes the branch at once. Both are recorded with who decided.
 */
export function createReviewActions(deps: ReviewActionsDeps) {
  const emit = deps.emit ?? (() => {});

  return {
    async approve(id: string, by: string): Promise<ReviewItem> {
      checkedId(id);
      if (!by.trim()) throw new ReviewError(409, 'say who decides: a non-empty "by"');
      await refuseMoved(deps, emit, id, by);
      const item = await decided(deps, id, 'approved', by);
      const rec = await deps.store.get(item.remediationId);
      if (rec) await deps.store.save(advance(rec, 'approved', `approved by ${item.decidedBy}`));
      await approvalTaken(deps, item, 'approved', async () => {
        await deps.audit.append({ type: 'review-approved', actor: item.decidedBy!, stackKey: item.stackKey, incidentId: item.incidentId, playbook: item.playbook, commit: item.commit, summary: `${item.title}: approved by ${item.decidedBy}`, data: { reviewId: id, remediationId: item.remediationId, branch: item.branch } });
        emit(timelineEvent('decision', `${item.title}: approved by ${item.decidedBy}`, { stack: item.stackKey.split('/').pop(), incident: item.incidentId, playbook: item.playbook, outcome: 'approved' }));
      });
      return item;
    },
    /** A pull request closed on the forge: merged, see {@link followForgeMerge}; unmerged, see {@link followForgeClose}. */
    closedOnForge: (repoId: string, event: PullRequestEvent): Promise<ForgeMergeVerdict['kind'] | ForgeCloseVerdict['kind']> =>
      event.merged ? followForgeMerge(deps, emit, repoId, event) : followForgeClose(deps, emit, repoId, event),
    async reject(id: string, by: string, reason?: string): Promise<ReviewItem> {
      checkedId(id);
      const item = await decided(deps, id, 'rejected', by, reason);
      await rejectionTaken(deps, emit, item, reason);
      return item;
    },
  };
}
export type ReviewActions = ReturnType<typeof createReviewActions>;
