import type { GuardrailState } from '../../../orchestrator/decide/guardrail-state.ts';
import type { Proposal } from '../../../remediations/proposal.ts';

export const SANDBOX = 'infra/./sandbox';
export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0); // a Wednesday, 12:00 UTC
export const MIN = 60_000;
export const COMMIT = '3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345';

export function patch(over: Partial<Extract<Proposal, { kind: 'config-patch' }>> = {}): Proposal {
  return {
    kind: 'config-patch',
    playbook: 'scale-out',
    incidentId: `${SANDBOX}@20261125T1155Z`,
    stackKey: SANDBOX,
    file: 'stacks/Pulumi.sandbox.yaml',
    changes: [{ key: 'sandbox:capacity', from: 2, to: 4 }],
    title: 'Scale out sandbox:capacity from 2 to 4',
    expectedEffect: [{ signalId: 'cpu', direction: 'down', relative: 0.5, note: 'rough' }],
    confidence: 0.9,
    risk: 'low',
    explanation: 'Saturation.',
    evidence: [],
    ...over,
  };
}

export function revert(over: Partial<Extract<Proposal, { kind: 'revert' }>> = {}): Proposal {
  return {
    kind: 'revert',
    playbook: 'rollback-deploy',
    incidentId: `${SANDBOX}@20261125T1155Z`,
    stackKey: SANDBOX,
    commit: COMMIT,
    title: 'Revert',
    expectedEffect: [],
    confidence: 0.85,
    risk: 'medium',
    explanation: 'A deployment.',
    evidence: [],
    ...over,
  };
}

export function quiet(over: Partial<GuardrailState> = {}): GuardrailState {
  return { changesLastHour: { stack: 0, global: 0 }, consecutiveRollbacks: 0, ...over };
}
