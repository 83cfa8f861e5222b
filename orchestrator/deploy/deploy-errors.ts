import { UnrecoverableError } from 'bullmq';
import { classifyEngineError, type Classified, type FailureKind } from '../engine/engine-errors.ts';
import type { RunReason } from '../records/run-record.ts';

/**
 * The three kinds of failure of a deploy run, each a class of its own so that
 * the job's outcome is decided by `instanceof` (see `job-outcome.ts`). The
 * kind of an engine failure and its reason come from the one engine-error
 * table (`engine/engine-errors.ts`); {@link engineFailure} builds the class
 * for a classified text.
 */

/** Needs a person: not retried until a new commit (or a person's manual run). */
export class StalledError extends UnrecoverableError {
  readonly kind: FailureKind = 'stalled';
  constructor(
    readonly reason: RunReason,
    /** One line for a person, without the reason. */
    readonly detail: string,
  ) {
    // BullMQ names the error after its class; the message keeps the reason for a job failed outright.
    super(`${reason}: ${detail}`);
  }
}

/** Try again later, without counting an attempt (a lock, an update in progress, a shutdown). */
export class WaitingError extends Error {
  // Not BullMQ's name 'WaitingError', which its worker takes for a job moved away by hand (and leaves alone).
  override readonly name = 'DeployWaitingError';
  readonly kind: FailureKind = 'waiting';
  constructor(
    readonly reason: RunReason,
    message: string,
    /** How long the job sleeps before it comes back; by default as long as its reason calls for. */
    readonly retryAfterMs = waitMsFor(reason),
  ) {
    super(message);
  }
}

/** Retried with backoff, at most `MAX_ATTEMPTS` times per stack and commit. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  readonly kind: FailureKind = 'transient';
  constructor(
    readonly reason: RunReason,
    message: string,
  ) {
    super(message);
  }
}

/** How long a waiting job sleeps before it tries again, unless its error says otherwise. */
export const DEFAULT_WAIT_MS = 2000;
/** A full disk frees up on a person's or a clean-up's time, not in two seconds: checked every 15. */
export const DISK_FULL_WAIT_MS = 15_000;

/** How long a run waiting for `reason` sleeps before it tries again. */
export function waitMsFor(reason: RunReason): number {
  return reason === 'DiskFull' ? DISK_FULL_WAIT_MS : DEFAULT_WAIT_MS;
}

/** The error for an engine failure, of the kind and with the reason the engine-error table gave it. */
export function engineFailure(classified: Classified, detail: string): StalledError | WaitingError | TransientError {
  if (classified.kind === 'stalled') return new StalledError(classified.reason, detail);
  if (classified.kind === 'waiting') return new WaitingError(classified.reason, detail);
  return new TransientError(classified.reason, detail);
}

/** What a thrown error says of the run's failure. */
export interface Failure {
  kind: FailureKind;
  reason: RunReason;
  /** One line for a person, without the reason. */
  detail: string;
}

/**
 * Reads the failure an error stands for. Errors of other modules that name
 * their reason and kind (the engine's lock errors, a lost lease) count as
 * such, though only a {@link StalledError} ever stalls; any other error is a
 * transient engine error.
 */
export function failureOf(err: unknown): Failure {
  if (err instanceof StalledError) return { kind: 'stalled', reason: err.reason, detail: err.detail };
  if (err instanceof WaitingError || err instanceof TransientError) return { kind: err.kind, reason: err.reason, detail: err.message };
  const named = err as { reason?: RunReason; kind?: string } | undefined;
  const detail = err instanceof Error ? err.message : String(err);
  // Any step may meet a full disk (the checkout, npm, a record's temp file): it waits like an engine that did.
  if (named?.reason === undefined && classifyEngineError(detail).reason === 'DiskFull') return { kind: 'waiting', reason: 'DiskFull', detail };
  return {
    kind: named?.kind === 'waiting' ? 'waiting' : 'transient',
    reason: named?.reason ?? 'EngineError',
    detail: err instanceof Error ? err.message : String(err),
  };
}

/** The line of an engine's output that says what went wrong (its first `error:` line), at most 500 characters. */
export function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => l.startsWith('error:')) ?? lines[0] ?? 'unknown error').slice(0, 500);
}
