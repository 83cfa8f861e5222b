import type { PolicyResult } from '../../decide/index.ts';
import { MAX_ATTEMPTS } from '../../queue/deploy-queue.ts';
import { timelineEvent } from '../../timeline/timeline-event.ts';
import type { RemediationRecord } from '../remediation-record.ts';
import { isPolicyCheckFinished } from '../transitions/finished-runs.ts';
import { decideStep } from './decide.ts';
import { audit, fields, waitFor, type StepContext } from './step-context.ts';

/**
 * policy check (state `checking`): waits for the preview of the proposal's
 * branch with the policy packs to finish, records what it found, then
 * decides (see `decide.ts`). The commit the engine actually previewed is
 * what a person's approval may merge later (by its tree).
 */
export async function checkPolicyStep(ctx: StepContext, rec: RemediationRecord): Promise<RemediationRecord> {
  const { deps } = ctx;
  const jobId = rec.policy?.runId;
  const proposal = rec.proposal;
  if (!jobId || !proposal || !rec.proposalCommit || !rec.branch) throw new Error(`remediation ${rec.id} is checking without a proposal commit`);
  const started = Date.now();
  const run = await waitFor(ctx, `the policy check of ${rec.proposalCommit.slice(0, 12)}`, deps.policyTimeoutMs ?? 15 * 60_000, async () => {
    const runs = await deps.runs.list({ stackKey: rec.stackKey, limit: 100 });
    return runs.find((r) => isPolicyCheckFinished(r, jobId, MAX_ATTEMPTS));
  });
  const summary = run.previewSummary;
  const violations = (summary?.policyViolations ?? []).map((v) => ({ policy: v.policy, level: v.level, message: v.message }));
  const policy: PolicyResult = { passed: run.status === 'previewed' || run.status === 'unchanged', violations };
  const counts = summary?.counts ?? {};
  ctx.emit(
    timelineEvent('policy', policy.passed ? `proposal passed the policy packs (${violations.length} advisory)` : `proposal ${violations.length > 0 ? `violates ${violations.map((v) => `${v.level} ${v.policy}: ${v.message}`).join('; ')}` : `could not be checked: ${run.message ?? run.status}`}`, {
      ...fields(rec),
      commit: rec.proposalCommit,
      outcome: policy.passed ? 'passed' : 'failed',
      durationMs: Date.now() - started,
      details: { runId: run.id, counts },
    }),
  );
  // The commit the engine actually previewed: what a person's approval may merge later (by its tree).
  // The plan the check saved: the apply of the decided commit (same tree) runs within it.
  const planDigest = policy.passed && run.plan?.saved ? run.plan.digest : undefined;
  const next: RemediationRecord = { ...rec, policy: { passed: policy.passed, violations, runId: run.id, counts, ...(planDigest ? { planDigest } : {}) }, ...(policy.passed ? { checkedCommit: run.commit } : {}) };
  await audit(ctx, next, 'policy-check', policy.passed ? 'passed' : `failed: ${violations.map((v) => `${v.policy}: ${v.message}`).join('; ') || run.message || run.status}`, { policy, previewSummary: summary, runId: run.id, ...(planDigest ? { planDigest } : {}) });
  return decideStep(ctx, next, { proposal, policy, counts, runId: run.id, ...(planDigest ? { planDigest } : {}) });
}
