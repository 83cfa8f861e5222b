import { clamp01, round3 } from '../bounds.ts';
import { baselineOf, leadingCause, num, shortCommit } from '../evidence.ts';
import type { Playbook, PlaybookInput } from '../playbook.ts';
import type { ExpectedEffect, Proposal } from '../proposal.ts';

/**
 * A deployment (or a config change) is the leading cause and names its
 * commit: revert that commit — unless that deployment created the stack's
 * resources (its revert would remove the stack, not fix it).
 *
 *   confidence = cause x fit
 *     fit = 1 when the commit is the stack's latest deployment; 0.75 when
 *     later ones followed (the revert may undo or clash with them); 0.85
 *     when the deployments given do not show it
 *   risk = medium (a revert is a whole commit, not one bounded key)
 */
export const rollbackDeploy: Playbook = {
  id: 'rollback-deploy',
  title: 'Roll back deployment',
  description: "When a deployment or config change is the leading cause, revert the suspected commit with git revert, through the ordinary deploy path.",
  propose(input) {
    const cause = leadingCause(input);
    if ((cause?.kind !== 'deployment' && cause?.kind !== 'config-change') || cause.commit === undefined) return [];
    const commit = cause.commit;
    const ours = (input.deployments ?? []).filter((d) => d.stackKey === input.stack.stackKey);
    const at = ours.findIndex((d) => d.commit === commit);
    // A deployment that only created resources brought the stack up: reverting it would take the stack down.
    const created = at >= 0 && ours[at]!.changes.length > 0 && ours[at]!.changes.every((c) => c.op === 'create');
    if (created) return [];
    const later = at >= 0 ? ours.slice(at + 1).filter((d) => d.appliedAt >= ours[at]!.appliedAt && d.commit !== commit) : [];
    const fit = at < 0 ? 0.85 : later.length > 0 ? 0.75 : 1;
    const fitNote =
      at < 0
        ? 'the recent deployments given do not show it'
        : later.length > 0
          ? `${later.length} later deployment(s) followed it (${later.map((d) => shortCommit(d.commit)).join(', ')}); the revert may clash with them`
          : `it is the latest deployment to ${input.stack.stackKey}`;

    const proposal: Proposal = {
      kind: 'revert',
      playbook: 'rollback-deploy',
      incidentId: input.incident.id,
      stackKey: input.stack.stackKey,
      commit,
      title: `Revert ${shortCommit(commit)} on ${input.stack.stackKey}`,
      expectedEffect: recoveryEffects(input, shortCommit(commit)),
      confidence: round3(clamp01(cause.confidence * fit)),
      risk: 'medium',
      explanation: `${cause.kind === 'deployment' ? 'A deployment' : 'A config change'} is the most likely cause (${Math.round(cause.confidence * 100)}%): ${cause.explanation} Reverting commit ${shortCommit(commit)} restores the state before it; ${fitNote}.`,
      evidence: [...cause.evidence],
    };
    return [proposal];
  },
};

/** Each anomalous signal of the stack back to its level before the incident (baseline when known, else a rough half). */
function recoveryEffects(input: PlaybookInput, commit: string): ExpectedEffect[] {
  const out: ExpectedEffect[] = [];
  const seen = new Set<string>();
  for (const s of input.incident.signals) {
    if (s.stackKey !== input.stack.stackKey || seen.has(s.signalId)) continue;
    seen.add(s.signalId);
    const signal = input.stack.contract.healthSignals.find((h) => h.id === s.signalId);
    const higherIsWorse = signal?.higherIsWorse ?? true;
    const base = baselineOf(input, s.signalId);
    const peak = s.peakValue;
    if (base !== undefined && peak !== 0 && Number.isFinite(peak)) {
      out.push({
        signalId: s.signalId,
        direction: higherIsWorse ? 'down' : 'up',
        relative: round3(Math.min(10, Math.abs(peak - base) / Math.abs(peak))),
        note: `back to about ${num(base)}, its level before ${commit}, from ${num(peak)}`,
      });
    } else {
      out.push({ signalId: s.signalId, direction: higherIsWorse ? 'down' : 'up', relative: 0.5, note: `back toward its level before ${commit}; rough, no baseline values` });
    }
  }
  return out;
}
