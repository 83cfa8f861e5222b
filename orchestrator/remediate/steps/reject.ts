import { timelineEvent } from '../../timeline/timeline-event.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { audit, fields, repoOf, type StepContext } from './step-context.ts';

/**
 * decide: reject. Nothing goes out; the proposal's branch, if it has one, is
 * deleted, and the reasons are recorded (final state `rejected`).
 */
export async function reject(ctx: StepContext, rec: RemediationRecord, reasons: string[]): Promise<RemediationRecord> {
  const next = { ...advance(rec, 'rejected', reasons.join('; ')), decision: { decision: 'reject' as const, reasons, dryRun: false } };
  if (rec.branch) await ctx.deps.git.deleteBranch(repoOf(ctx, rec), rec.branch).catch(() => undefined);
  ctx.emit(timelineEvent('decision', `rejected: ${reasons.join('; ')}`, { ...fields(next), outcome: 'rejected' }));
  await audit(ctx, next, 'decision', `rejected: ${reasons.join('; ')}`, { decision: next.decision, guardrails: rec.guardrails, policy: rec.policy, proposal: rec.proposal });
  return next;
}
