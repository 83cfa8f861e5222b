import { timelineEvent } from '../../timeline/timeline-event.ts';
import type { Verification } from '../../verify/verify-effect.ts';
import { revertCommitMessage } from '../commit-message.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { announcePush, audit, fields, type RemediationRepo, type StepContext } from './step-context.ts';

/**
 * revert: the change did not help. It is reverted on the deploy branch
 * (`rolled-back`), unless the stack reached its limit of automatic rollbacks
 * in a row or the revert cannot be made: then a person decides (`escalated`).
 */
export async function revertStep(ctx: StepContext, rec: RemediationRecord, verification: Verification, repo: RemediationRepo, appliedAt: number): Promise<RemediationRecord> {
  const { deps } = ctx;
  const commit = rec.commit!;
  await deps.ledger.recordOutcome({ playbook: rec.playbook!, stackKey: rec.stackKey, event: 'rolled-back', mode: rec.mode ?? 'auto' });
  const inARow = (await deps.ledger.state(rec.stackKey, rec.playbook!, Date.now())).consecutiveRollbacks;
  const max = { ...deps.config.guardrails, ...(await deps.ledger.controls()) }.maxConsecutiveRollbacks;
  ctx.emit(timelineEvent('verify', verification.summary, { ...fields(rec), commit, outcome: 'not-effective', durationMs: Date.now() - appliedAt }));
  if (inARow >= max) {
    const why = `did not help, and ${inARow} automatic rollbacks in a row on ${rec.stackKey} reached the limit of ${max}: a person must decide whether to revert ${commit.slice(0, 12)}`;
    const done = advance(rec, 'escalated', why);
    ctx.emit(timelineEvent('rollback', why, { ...fields(done), commit, outcome: 'escalated' }));
    await audit(ctx, done, 'escalated', why, { verification, consecutiveRollbacks: inARow });
    return done;
  }
  const why = `${verification.summary}; reverting`;
  let revertCommit: string;
  try {
    revertCommit = await deps.git.revert({ repo, deployBranch: repo.deployBranch, commit, message: revertCommitMessage({ commit, title: rec.proposal?.title ?? rec.id, incidentId: rec.incidentId, playbook: rec.playbook!, why: verification.summary }) });
  } catch (err) {
    const done = advance(rec, 'escalated', `did not help, and the revert failed: ${(err as Error).message}`);
    await audit(ctx, done, 'escalated', done.message!, { verification });
    return done;
  }
  const rolledBack = await deps.ledger.recordRollback(rec.stackKey);
  await announcePush(ctx, repo, commit, revertCommit);
  const done = { ...advance(rec, 'rolled-back', why), revertCommit };
  ctx.emit(timelineEvent('rollback', `${revertCommit.slice(0, 12)} reverts ${commit.slice(0, 12)}: ${verification.summary}`, { ...fields(done), commit: revertCommit, outcome: 'rolled-back', details: { reverted: commit, inARow: rolledBack } }));
  await audit(ctx, { ...done, commit: revertCommit }, 'rolled-back', why, { verification, reverted: commit, consecutiveRollbacks: rolledBack });
  return done;
}
