import type { Decision } from '../decide/decide.ts';
import type { PolicyResult } from '../decide/decide.ts';
import type { Proposal } from '../../remediations/proposal.ts';

/**
 * The commit message of a remediation: the proposal's title, its
 * explanation, and trailers that carry the evidence with the change itself,
 * so `git log` alone tells why a commit was made. Pure.
 */
export interface RemediationCommitInput {
  proposal: Proposal;
  /** The confidence used for the decision (calibrated by the track record). */
  confidence: number;
  policy: PolicyResult;
  decision: Pick<Decision, 'decision' | 'reasons'>;
  /** Preview counts of the policy check, for example `{update: 1, same: 2}`. */
  previewCounts: Record<string, number>;
  /** Id of the policy check's run, to find its full diff. */
  previewRunId?: string;
  /** `sha256:…` of the update plan the policy check saved: the apply runs within it. */
  previewPlanDigest?: string;
}

/** Trailer values are one line: newlines and runs of spaces folded. */
function oneLine(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function previewLine(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([op, n]) => n > 0 && op !== 'same')
    .map(([op, n]) => `${n} to ${op}`);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

export function policyLine(policy: PolicyResult): string {
  if (policy.violations.length === 0) return policy.passed ? 'passed' : 'failed';
  return `${policy.passed ? 'passed' : 'failed'} (${policy.violations.map((v) => `${v.level} ${v.policy}`).join(', ')})`;
}

/** ` (run r-…, plan sha256:…)`: where the checked preview and its plan are found; empty without either. */
function previewRef(input: Pick<RemediationCommitInput, 'previewRunId' | 'previewPlanDigest'>): string {
  const refs = [...(input.previewRunId ? [`run ${input.previewRunId}`] : []), ...(input.previewPlanDigest ? [`plan ${input.previewPlanDigest}`] : [])];
  return refs.length > 0 ? ` (${refs.join(', ')})` : '';
}

export function remediationCommitMessage(input: RemediationCommitInput): string {
  const { proposal } = input;
  const body = [oneLine(proposal.explanation, 2000)];
  if (proposal.kind === 'config-patch') body.push('', ...proposal.changes.map((c) => `- ${c.key}: ${String(c.from)} -> ${String(c.to)}`));
  const trailers = [
    `Homeostat-Incident: ${proposal.incidentId}`,
    `Homeostat-Playbook: ${proposal.playbook}`,
    `Homeostat-Confidence: ${input.confidence.toFixed(2)}`,
    // Made ahead of a forecast breach, before anything was observed (verified against the forecast).
    ...(proposal.proactive === true ? [`Homeostat-Proactive: ${proposal.risk} risk, ahead of a forecast breach`] : []),
    ...proposal.evidence.slice(0, 5).map((e) => `Homeostat-Evidence: ${oneLine(e)}`),
    `Homeostat-Policy: ${policyLine(input.policy)}`,
    `Homeostat-Decision: ${input.decision.decision}${input.decision.reasons.length > 0 ? ` (${oneLine(input.decision.reasons.join('; '))})` : ''}`,
    `Homeostat-Preview: ${previewLine(input.previewCounts)}${previewRef(input)}`,
  ];
  return `${oneLine(proposal.title, 72)}\n\n${body.join('\n')}\n\n${trailers.join('\n')}\n`;
}

/** The message of an automatic rollback of a remediation that did not help. */
export function revertCommitMessage(input: { commit: string; title: string; incidentId: string; playbook: string; why: string }): string {
  return [
    `Revert "${oneLine(input.title, 60)}"`,
    '',
    `This reverts commit ${input.commit}: ${oneLine(input.why, 2000)}`,
    '',
    `Homeostat-Incident: ${input.incidentId}`,
    `Homeostat-Playbook: ${input.playbook}`,
    `Homeostat-Revert-Of: ${input.commit}`,
    '',
  ].join('\n');
}

/**
 * The message of the merge of an approved proposal's branch into the deploy
 * branch. The title is kept as written (not folded), and a merge whose
 * approver is not known says `a person` in its text and `unknown` in its
 * trailer.
 */
export function approvedMergeMessage(input: { branch: string; title: string; incidentId: string; playbook?: string; approvedBy?: string }): string {
  return [
    `Merge ${input.branch}: ${input.title}`,
    '',
    `Approved by ${input.approvedBy ?? 'a person'}.`,
    '',
    `Homeostat-Incident: ${input.incidentId}`,
    `Homeostat-Playbook: ${input.playbook ?? ''}`,
    `Homeostat-Approved-By: ${input.approvedBy ?? 'unknown'}`,
    '',
  ].join('\n');
}

/** Reads the trailers of a commit message back (the last paragraph of `Key: value` lines). */
export function parseTrailers(message: string): Record<string, string[]> {
  const paragraphs = message.trim().split(/\n\s*\n/);
  const last = paragraphs.at(-1) ?? '';
  const out: Record<string, string[]> = {};
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line.trim());
    if (m) (out[m[1]!] ??= []).push(m[2]!);
  }
  return out;
}
