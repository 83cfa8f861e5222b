import type { StackContract } from '../../stacks/contract.ts';

/** A change verified on a canary stack. */
export interface CanaryVerification {
  stackKey: string;
  /** {@link changeFingerprint} of the change. */
  change: string;
  /** Epoch ms. */
  verifiedAt: number;
}

/**
 * What the guardrails need to know about the past, for one proposal. The
 * caller counts from its records; the guardrails only compare.
 */
export interface GuardrailState {
  /** Automated changes applied in the hour before now: to the proposal's stack, and to all stacks. */
  changesLastHour: { stack: number; global: number };
  /** When the proposal's playbook last changed the proposal's stack automatically (epoch ms), if ever. */
  lastChangeAt?: number;
  /** Automatic rollbacks in a row on the proposal's stack, since a change was last kept or a person acted. */
  consecutiveRollbacks: number;
  /** Changes verified on canary stacks; default none. */
  canaryVerified?: readonly CanaryVerification[];
  /** The stack's contract, to count rungs on ordered keys; without it string changes are not sized. */
  contract?: StackContract;
}
