import { FINAL_STATES, type RemediationRecord } from '../remediation-record.ts';

/**
 * The remediation's transition table: from the saved record's state (and
 * what the worker knows besides), the step that runs next, or why the loop
 * stops. Pure: the worker runs the step and saves the record it returns.
 *
 * | state       | step             | the step ends in                                   |
 * |-------------|------------------|----------------------------------------------------|
 * | `proposing` | `propose`        | `checking`, `no-action`, `rejected`                |
 * | `checking`  | `check-policy`   | `review`, `committed`, `proposing`, `rejected`     |
 * | `approved`  | `merge-approved` | `committed`, `escalated`                           |
 * | `committed` | `await-apply`    | `verifying`, `failed`                              |
 * | `verifying` | `verify`         | `effective`, `rolled-back`, `escalated`            |
 * | `review`    | stop: a person decides (an approval moves the record on and queues a job) |
 * | final       | stop (see `FINAL_STATES`)                                              |
 */

/** The steps the worker runs, one per working state. */
export type RemediationStepName = 'propose' | 'check-policy' | 'merge-approved' | 'await-apply' | 'verify';

/** What the worker knows besides the record. */
export interface StepFacts {
  /** The stack's remediation lock is still this worker's. */
  leaseHeld: boolean;
}

export type NextStep =
  /** Run this step, then save the record it returns. */
  | { kind: 'run'; step: RemediationStepName }
  /** Nothing more for this job: the remediation ended, or waits for a person. */
  | { kind: 'stop'; why: 'final' | 'review' }
  /** The lock was lost: another worker may be changing this stack, so no step runs. */
  | { kind: 'lost-lock' };

/** The next step for `record`; see the table above. */
export function nextStep(record: Pick<RemediationRecord, 'state'>, facts: StepFacts): NextStep {
  if (FINAL_STATES.has(record.state)) return { kind: 'stop', why: 'final' };
  const run = (step: RemediationStepName): NextStep => (facts.leaseHeld ? { kind: 'run', step } : { kind: 'lost-lock' });
  switch (record.state) {
    case 'proposing':
      return run('propose');
    case 'checking':
      return run('check-policy');
    case 'approved':
      return run('merge-approved');
    case 'committed':
      return run('await-apply');
    case 'verifying':
      return run('verify');
    case 'review':
      return { kind: 'stop', why: 'review' };
    default:
      // Every other state is in FINAL_STATES (the unit tests hold the table to that).
      return { kind: 'stop', why: 'final' };
  }
}
