import type { Proposal, Risk } from '../../remediations/proposal.ts';
import type { GuardrailResult } from './guardrails.ts';

/** One policy violation from the engine's preview with the policy packs (a `PolicyViolation` of the run summary fits). */
export interface PolicyFinding {
  policy: string;
  level: 'mandatory' | 'advisory';
  message: string;
}

/** The policy check of a proposal: the preview passed, and what the packs reported. */
export interface PolicyResult {
  passed: boolean;
  violations: readonly PolicyFinding[];
}

export interface DecisionInput {
  /** Every guardrail's result, as {@link evaluateGuardrails} returns them. */
  guardrails: readonly GuardrailResult[];
  policyResult: PolicyResult;
  /** Confidence a proposal on this stack needs to be applied automatically, in [0, 1]. */
  stackThreshold: number;
  /**
   * Highest risk applied without a person. The decide step raises it to `medium` for a proactive
   * proposal of a playbook promoted on the stack (its track record earned it).
   * @defaultValue 'low'
   */
  acceptedRisk?: Risk;
}

const RISK_ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/**
 * What happens to a proposal:
 * - `auto`: commit to the deploy branch and push;
 * - `review`: branch and pull request, waits for a person;
 * - `reject`: recorded with its reasons, nothing goes out.
 *
 * Dry-run never commits: what would have been `auto` is `review`, with
 * `dryRun: true` and `wouldBe: 'auto'`, and a reason saying so. Outside
 * dry-run, `dryRun` is false and `wouldBe` absent.
 */
export interface Decision {
  decision: 'auto' | 'review' | 'reject';
  /** Why, one line each; for `auto`, what it passed. */
  reasons: string[];
  dryRun: boolean;
  wouldBe?: 'auto';
}

/**
 * Decides one proposal. In order:
 * 1. reject, with every reason, when the kill switch (or another
 *    reject-on-fail guardrail) stopped it or a mandatory policy was violated;
 * 2. review, with every reason, when confidence is below the stack's
 *    threshold, risk is above the accepted risk (low unless told), the policy check did not pass cleanly
 *    (advisory violations included), a guardrail stopped it, or no
 *    guardrail was evaluated at all;
 * 3. auto otherwise, unless dry-run is on (then review, see {@link Decision}).
 * Pure.
 */
export function decide(proposal: Proposal, input: DecisionInput): Decision {
  const { guardrails, policyResult, stackThreshold } = input;
  const acceptedRisk = input.acceptedRisk ?? 'low';
  const failed = guardrails.filter((g) => !g.passed);
  const dryRun = failed.some((g) => g.name === 'dry-run');

  // 1. Reject: nothing goes out.
  const rejects = [
    ...failed.filter((g) => g.onFail === 'reject').map((g) => `${g.name}: ${g.reason}`),
    ...policyResult.violations.filter((v) => v.level === 'mandatory').map((v) => `mandatory policy ${v.policy}: ${v.message}`),
  ];
  if (rejects.length > 0) return { decision: 'reject', reasons: rejects, dryRun };

  // 2. Review: a person decides.
  const reviews: string[] = [];
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  if (proposal.confidence < stackThreshold) reviews.push(`confidence ${pct(proposal.confidence)} is below the stack's threshold ${pct(stackThreshold)}`);
  if (RISK_ORDER[proposal.risk] > RISK_ORDER[acceptedRisk]) {
    reviews.push(
      acceptedRisk === 'low'
        ? `risk is ${proposal.risk}: only low-risk changes are applied automatically${proposal.proactive ? ' (a proactive change is at least medium risk; its playbook is not promoted on this stack)' : ''}`
        : `risk is ${proposal.risk}: above the ${acceptedRisk} risk accepted here`,
    );
  }
  for (const v of policyResult.violations.filter((x) => x.level !== 'mandatory')) reviews.push(`advisory policy ${v.policy}: ${v.message}`);
  if (!policyResult.passed && policyResult.violations.length === 0) reviews.push('the policy check did not pass');
  if (guardrails.length === 0) reviews.push('no guardrail was evaluated');
  for (const g of failed.filter((x) => x.onFail === 'review' && x.name !== 'dry-run')) reviews.push(`${g.name}: ${g.reason}`);
  if (reviews.length > 0) {
    if (dryRun) reviews.push('dry-run mode: nothing is committed automatically');
    return { decision: 'review', reasons: reviews, dryRun };
  }

  // 3. Auto, or what would have been auto in dry-run.
  const passed = [
    `confidence ${pct(proposal.confidence)} meets the stack's threshold ${pct(stackThreshold)}`,
    acceptedRisk === 'low' ? 'risk is low' : `risk is ${proposal.risk}, accepted for a proactive change of a playbook promoted on this stack`,
    'the policy check passed with no violation',
    `all ${guardrails.length - (dryRun ? 1 : 0)} guardrails passed`,
  ];
  if (dryRun) return { decision: 'review', reasons: ['dry-run mode: would have been applied automatically', ...passed], dryRun, wouldBe: 'auto' };
  return { decision: 'auto', reasons: passed, dryRun };
}
