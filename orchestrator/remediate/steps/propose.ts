import { proposeAll } from '../../../remediations/index.ts';
import type { Proposal } from '../../../remediations/proposal.ts';
import type { StackContract } from '../../../stacks/contract.ts';
import { calibratedConfidence, decide, evaluateGuardrails, heldForDependents } from '../../decide/index.ts';
import type { ProbableCause } from '../../diagnose/index.ts';
import { parseStackKey } from '../../model/stack-key.ts';
import { timelineEvent } from '../../timeline/timeline-event.ts';
import { advance, type RemediationRecord } from '../remediation-record.ts';
import { playbookInput, recoveredSince } from './propose-evidence.ts';
import { reject } from './reject.ts';
import { audit, contractOf, fields, thresholdOf, type StepContext } from './step-context.ts';
import { writeForPolicyCheck } from './write.ts';

/** A proposal with the confidence its playbook's track record gives it. */
interface Scored {
  proposal: Proposal;
  confidence: number;
}

/**
 * propose (state `proposing`): the playbooks' best proposal, calibrated by
 * their track record, then the guardrails. Ends in `no-action` (nothing to
 * do, or the incident is over), `rejected` (the kill switch), or `checking`
 * with the proposal on a branch of its own for the policy check.
 */
export async function proposeStep(ctx: StepContext, rec: RemediationRecord): Promise<RemediationRecord> {
  const { deps, emit } = ctx;
  const incident = await deps.incidents.get(rec.incidentId);
  if (!incident) return advance(rec, 'no-action', `incident ${rec.incidentId} is not known`);
  if (incident.incident.status === 'resolved') return advance(rec, 'no-action', 'the incident resolved before any action');
  const contract = await contractOf(ctx, rec.stackKey);
  if (!contract) return advance(rec, 'no-action', `${rec.stackKey} declares no contract (no homeostat output)`);
  const recovered = await recoveredSince(ctx, incident.incident, contract);
  if (recovered) {
    const next = advance(rec, 'no-action', `its signals are back to their levels before the incident: ${recovered}`);
    emit(timelineEvent('proposal', next.message!, { ...fields(next), outcome: 'no-action' }));
    await audit(ctx, next, 'no-action', next.message!);
    return next;
  }

  const { input, causes, dependents } = await playbookInput(ctx, rec, incident, contract);
  const proposed = proposeAll(input, ctx.playbooks);
  const { failures } = proposed;
  const proposals = proposed.proposals.map((p) => heldForDependents(p, dependents));
  const stack = parseStackKey(rec.stackKey).stack;
  for (const f of failures) emit(timelineEvent('error', f.errors.join('; '), { stack, incident: rec.incidentId, playbook: f.playbook }));

  const scored: Scored[] = [];
  for (const p of proposals) scored.push({ proposal: p, confidence: calibratedConfidence(p.confidence, await deps.ledger.counts(p.playbook, p.stackKey)) });
  scored.sort((a, b) => b.confidence - a.confidence);
  const best = scored[0];
  if (!best) {
    const why = failures.length > 0 ? `no valid proposal (${failures.length} playbook(s) failed)` : 'no playbook had a proposal for this incident';
    const next = advance(rec, 'no-action', why);
    emit(timelineEvent('proposal', why, { ...fields(next), outcome: 'no-action' }));
    await audit(ctx, next, 'no-action', why, { causes, failures: failures.map((f) => f.errors) });
    return next;
  }
  return guard(ctx, rec, best, scored.slice(1), causes, contract);
}

/** The guardrails on the best proposal, recorded with it; the kill switch rejects it before anything goes out. */
async function guard(ctx: StepContext, rec: RemediationRecord, best: Scored, alternatives: readonly Scored[], causes: ProbableCause[], contract: StackContract): Promise<RemediationRecord> {
  const { deps } = ctx;
  const { proposal, confidence } = best;
  const controls = await deps.ledger.controls();
  const guardConfig = { ...deps.config.guardrails, ...controls };
  const now = Date.now();
  const guardrails = evaluateGuardrails(proposal, await deps.ledger.state(rec.stackKey, proposal.playbook, now, contract), guardConfig, now);
  await deps.ledger.recordOutcome({ playbook: proposal.playbook, stackKey: rec.stackKey, event: 'proposed', mode: 'auto' });
  const next: RemediationRecord = {
    ...advance(rec, 'proposing', `${proposal.playbook}: ${proposal.title}`),
    playbook: proposal.playbook,
    proposal,
    rawConfidence: proposal.confidence,
    confidence,
    guardrails,
  };
  ctx.emit(
    timelineEvent('proposal', `${proposal.title} (confidence ${confidence.toFixed(2)}, risk ${proposal.risk}): ${proposal.explanation}`, {
      ...fields(next),
      details: { kind: proposal.kind, ...(proposal.kind === 'config-patch' ? { changes: proposal.changes } : { revert: proposal.commit }) },
    }),
  );
  await audit(ctx, next, 'proposal', proposal.title, { causes, proposal, rawConfidence: proposal.confidence, confidence, alternatives: alternatives.map((s) => ({ playbook: s.proposal.playbook, title: s.proposal.title, confidence: s.confidence })) });
  await audit(ctx, next, 'guardrails', guardrails.filter((g) => !g.passed).map((g) => `${g.name}: ${g.reason}`).join('; ') || 'every guardrail passed', { guardrails });

  // The kill switch (a reject-on-fail guardrail) needs no policy check: nothing goes out.
  const early = decide({ ...proposal, confidence }, { guardrails, policyResult: { passed: true, violations: [] }, stackThreshold: thresholdOf(ctx, rec.stackKey) });
  if (early.decision === 'reject') return reject(ctx, next, early.reasons);
  return writeForPolicyCheck(ctx, next, { proposal, confidence, early });
}
