import type { RunRecord } from '../../records/run-record.ts';

/**
 * Which deploy-queue runs answer a remediation that waits for them: a run
 * still running does not, nor does a failed one the queue will try again (a
 * failure other than a policy violation, with attempts left). Pure; the
 * caller passes the queue's `MAX_ATTEMPTS`.
 */

/** The policy check's preview (job `jobId`) is over: an invalid program is not retried either. */
export function isPolicyCheckFinished(run: RunRecord, jobId: string, maxAttempts: number): boolean {
  return run.jobId === jobId && run.status !== 'running' && !(run.status === 'failed' && run.reason !== 'PolicyViolation' && run.attempt < maxAttempts && run.reason !== 'InvalidProgram');
}

/** The deploy of `commit` is over: an applying run that did not skip it, and will not run again. */
export function isDeployFinished(run: RunRecord, commit: string, maxAttempts: number): boolean {
  return run.commit === commit && run.apply && run.status !== 'running' && run.status !== 'skipped' && !(run.status === 'failed' && run.attempt < maxAttempts && run.reason !== 'PolicyViolation');
}
