import { MAX_ATTEMPTS } from '../queue/deploy-queue.ts';
import type { RunReason } from '../records/run-record.ts';
import { failureOf, waitMsFor, WaitingError } from './deploy-errors.ts';

/** What happens to a deploy job whose run failed. */
export type JobNext =
  /** Failed for good: no retry (a stalled run, or the last attempt). */
  | { action: 'fail' }
  /** Back after `delayMs`, without counting an attempt (a waiting run). */
  | { action: 'delay'; delayMs: number }
  /** Retried with the queue's backoff, counting an attempt (a transient failure). */
  | { action: 'retry' };

/** How a failed run is recorded, and what happens to its job. */
export interface JobOutcome {
  /** `aborted` for a run cancelled by shutdown (not the commit's fault), `failed` otherwise. */
  status: 'failed' | 'aborted';
  reason: RunReason;
  /** One line for a person. */
  message: string;
  next: JobNext;
}

/**
 * The one decision of what a failure means for its job (as in Flux): a
 * stalled run fails the job at once; a waiting one comes back later without
 * counting an attempt; anything else is retried with backoff until the last
 * of `maxAttempts` (default {@link MAX_ATTEMPTS}), which fails the job as
 * `RetriesExhausted`. `attempt` counts from 1.
 */
export function jobOutcome(err: unknown, attempt: number, maxAttempts = MAX_ATTEMPTS): JobOutcome {
  const failure = failureOf(err);
  const final = failure.kind === 'transient' && attempt >= maxAttempts;
  const reason = final ? 'RetriesExhausted' : failure.reason;
  return {
    status: reason === 'Cancelled' ? 'aborted' : 'failed',
    reason,
    message: final ? `${maxAttempts} attempts failed; last: ${failure.detail}` : failure.detail,
    next:
      failure.kind === 'stalled' || final
        ? { action: 'fail' }
        : failure.kind === 'waiting'
          ? { action: 'delay', delayMs: err instanceof WaitingError ? err.retryAfterMs : waitMsFor(failure.reason) }
          : { action: 'retry' },
  };
}
