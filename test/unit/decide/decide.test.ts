import assert from 'node:assert/strict';
import { decide } from '../../../orchestrator/decide/decide.ts';
import type { Decision, PolicyResult } from '../../../orchestrator/decide/decide.ts';
import { defaultGuardrailConfig } from '../../../orchestrator/decide/guardrail-config.ts';
import type { GuardrailConfigInput } from '../../../orchestrator/decide/guardrail-config.ts';
import type { GuardrailState } from '../../../orchestrator/decide/guardrail-state.ts';
import { evaluateGuardrails } from '../../../orchestrator/decide/guardrails.ts';
import type { Proposal } from '../../../remediations/proposal.ts';
import { MIN, NOW, patch, quiet, revert } from './fixtures.ts';

const clean: PolicyResult = { passed: true, violations: [] };
const stepTooLarge: PolicyResult = { passed: false, violations: [{ policy: 'max-capacity-step', level: 'mandatory', message: 'checkout: capacity grows from 2 to 5' }] };
const untagged: PolicyResult = { passed: true, violations: [{ policy: 'required-tags', level: 'advisory', message: 'checkout has no owner tag' }] };

describe('decision', () => {
  const cases: {
    name: string;
    proposal?: Proposal;
    state?: Partial<GuardrailState>;
    config?: GuardrailConfigInput;
    policy?: PolicyResult;
    threshold?: number;
    want: Decision['decision'];
    reasons: RegExp[];
    dryRun?: boolean;
  }[] = [
    {
      name: 'applies a confident, low-risk, policy-clean change that every guardrail passed',
      want: 'auto',
      reasons: [/confidence 90% meets the stack's threshold 80%/, /risk is low/, /policy check passed/, /all 9 guardrails passed/],
    },
    { name: 'sends a change below the stack threshold to review', proposal: patch({ confidence: 0.7 }), want: 'review', reasons: [/confidence 70% is below the stack's threshold 80%/] },
    { name: 'honours a stricter stack threshold', threshold: 0.95, want: 'review', reasons: [/below the stack's threshold 95%/] },
    { name: 'sends a medium-risk revert to review however confident', proposal: revert({ confidence: 0.99 }), want: 'review', reasons: [/risk is medium/] },
    { name: 'rejects on a mandatory policy violation, with its message', policy: stepTooLarge, want: 'reject', reasons: [/^mandatory policy max-capacity-step: checkout: capacity grows from 2 to 5$/] },
    { name: 'sends an advisory violation to review', policy: untagged, want: 'review', reasons: [/^advisory policy required-tags: checkout has no owner tag$/] },
    { name: 'sends a failed policy check without findings to review', policy: { passed: false, violations: [] }, want: 'review', reasons: [/policy check did not pass/] },
    { name: 'rejects anything while the kill switch is on', config: { killSwitch: true }, want: 'reject', reasons: [/^kill-switch: /] },
    { name: 'the kill switch wins over a clean review', proposal: revert(), config: { killSwitch: true }, want: 'reject', reasons: [/kill-switch/] },
    { name: 'sends a change in cooldown to review with the guardrail reason', state: { lastChangeAt: NOW - 5 * MIN }, want: 'review', reasons: [/^cooldown: .*25 min left/] },
    { name: 'sends a change in a freeze window to review', config: { freezeWindows: [{ days: ['wed'], from: '00:00', to: '24:00' }] }, want: 'review', reasons: [/^freeze-window: /] },
    { name: 'sends the fourth rollback in a row to a person', proposal: revert({ risk: 'low' }), state: { consecutiveRollbacks: 3 }, want: 'review', reasons: [/^rollback-limit: .*a person must look/] },
    {
      name: 'lists every reason to review, not only the first',
      proposal: patch({ confidence: 0.5, risk: 'medium' }),
      state: { changesLastHour: { stack: 5, global: 5 } },
      want: 'review',
      reasons: [/below the stack's threshold/, /risk is medium/, /^stack-rate: /],
    },
    {
      name: 'in dry-run, what would be automatic goes to review, flagged',
      config: { dryRun: true },
      want: 'review',
      reasons: [/^dry-run mode: would have been applied automatically$/, /all 8 guardrails passed/],
      dryRun: true,
    },
    { name: 'in dry-run, a review stays a review, flagged', config: { dryRun: true }, proposal: revert(), want: 'review', reasons: [/risk is medium/, /dry-run mode/], dryRun: true },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const proposal = c.proposal ?? patch();
      const guardrails = evaluateGuardrails(proposal, quiet(c.state), defaultGuardrailConfig(c.config), NOW);
      const d = decide(proposal, { guardrails, policyResult: c.policy ?? clean, stackThreshold: c.threshold ?? 0.8 });
      assert.equal(d.decision, c.want, d.reasons.join('; '));
      for (const r of c.reasons) assert.ok(d.reasons.some((x) => r.test(x)), `${r} not in ${JSON.stringify(d.reasons)}`);
      assert.equal(d.dryRun, c.dryRun ?? false);
      assert.equal(d.wouldBe, c.dryRun && c.want === 'review' && proposal.risk === 'low' ? 'auto' : undefined);
    });
  }

  describe('a proactive change (made on a forecast)', () => {
    const proactive = patch({ proactive: true, risk: 'medium' });
    const guardrails = evaluateGuardrails(proactive, quiet(), defaultGuardrailConfig(), NOW);

    it('waits for a person when its playbook is not promoted on the stack, and says why', () => {
      const d = decide(proactive, { guardrails, policyResult: clean, stackThreshold: 0.8 });
      assert.equal(d.decision, 'review');
      assert.ok(d.reasons.some((r) => /risk is medium: .*a proactive change is at least medium risk; its playbook is not promoted on this stack/.test(r)), d.reasons.join('; '));
    });

    it('is applied automatically when its promoted playbook is trusted with medium risk', () => {
      const d = decide(proactive, { guardrails, policyResult: clean, stackThreshold: 0, acceptedRisk: 'medium' });
      assert.equal(d.decision, 'auto', d.reasons.join('; '));
      assert.ok(d.reasons.some((r) => /risk is medium, accepted for a proactive change of a playbook promoted on this stack/.test(r)));
    });

    it('still waits for a person at high risk, promoted or not', () => {
      const high = patch({ proactive: true, risk: 'high' });
      const d = decide(high, { guardrails: evaluateGuardrails(high, quiet(), defaultGuardrailConfig(), NOW), policyResult: clean, stackThreshold: 0, acceptedRisk: 'medium' });
      assert.equal(d.decision, 'review');
      assert.ok(d.reasons.some((r) => /risk is high: above the medium risk accepted here/.test(r)));
    });
  });

  it('never decides auto without guardrail results', () => {
    const d = decide(patch(), { guardrails: [], policyResult: clean, stackThreshold: 0.8 });
    assert.deepEqual(d, { decision: 'review', reasons: ['no guardrail was evaluated'], dryRun: false });
  });
});
