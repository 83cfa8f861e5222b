import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { classifyError, errorFacts, isRetryable, type ErrorFacts, type ErrorKind } from './error-kind.ts';

/**
 * Runs one call with bounded retries: throttled and transient failures wait
 * on the backoff schedule and try again, up to `maxAttempts`; any other
 * failure, or the last one, comes back as a value, never as a throw.
 * The clock and the random source come in, so tests drive it without waiting.
 */

export type RetryOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly kind: ErrorKind; readonly facts: ErrorFacts; readonly attempts: number };

export interface RetryDeps {
  readonly policy: BackoffPolicy;
  sleep(ms: number): Promise<void>;
  /** A draw in [0, 1). */
  random(): number;
  /** Told about each retry before its wait (for counters and logs). */
  onRetry?(info: { attempt: number; kind: ErrorKind; delayMs: number; facts: ErrorFacts }): void;
}

export async function withRetry<T>(call: () => Promise<T>, deps: RetryDeps): Promise<RetryOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await call(), attempts: attempt };
    } catch (err) {
      const facts = errorFacts(err);
      const kind = classifyError(facts);
      if (!isRetryable(kind) || attempt >= deps.policy.maxAttempts) return { ok: false, kind, facts, attempts: attempt };
      const delayMs = backoffDelay(attempt - 1, kind === 'throttled', deps.policy, deps.random());
      deps.onRetry?.({ attempt, kind, delayMs, facts });
      await deps.sleep(delayMs);
    }
  }
}
