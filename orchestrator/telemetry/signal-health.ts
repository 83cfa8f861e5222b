import type { ErrorKind } from './error-kind.ts';
import type { SeriesSpec } from './series.ts';

/**
 * The health of each polled signal, as the API shows it: `pending` until
 * the first read, `ok` after a successful read, `stale` after a read that
 * failed for good (retries spent), with a typed reason and the error text.
 * Transitions only through the helpers below, so status, since and error
 * always agree. Pure.
 */

export type SignalStatus = 'pending' | 'ok' | 'stale';

/** Why a signal is stale. */
export type StaleReason =
  /** Still throttled after every retry. */
  | 'Throttled'
  /** 5xx or network errors after every retry. */
  | 'SourceUnavailable'
  /** CloudWatch rejects the query itself (bad stat, dimension, period…): needs a contract fix. */
  | 'InvalidQuery'
  /** Any other refusal, for example missing permissions; or the query's result reported `Forbidden`/`InternalError`. */
  | 'Rejected';

export interface SignalHealth {
  readonly seriesId: string;
  readonly stackKey: string;
  readonly signalId: string;
  readonly status: SignalStatus;
  /** When the status last changed (ms); undefined while pending. */
  readonly since?: number;
  readonly lastSuccessAt?: number;
  /** Timestamp of the newest point emitted. */
  readonly lastPointAt?: number;
  /** Failed reads in a row. */
  readonly consecutiveFailures: number;
  readonly reason?: StaleReason;
  /** Error text with secrets removed. */
  readonly error?: string;
}

export function initialHealth(s: Pick<SeriesSpec, 'seriesId' | 'stackKey' | 'signalId'>): SignalHealth {
  return { seriesId: s.seriesId, stackKey: s.stackKey, signalId: s.signalId, status: 'pending', consecutiveFailures: 0 };
}

export function staleReason(kind: ErrorKind): StaleReason {
  switch (kind) {
    case 'throttled':
      return 'Throttled';
    case 'transient':
      return 'SourceUnavailable';
    case 'invalid':
      return 'InvalidQuery';
    case 'persistent':
      return 'Rejected';
  }
}

/** A successful read; `lastPointAt` when it brought new points. */
export function recordSuccess(h: SignalHealth, nowMs: number, lastPointAt?: number): SignalHealth {
  const newest = lastPointAt === undefined ? h.lastPointAt : Math.max(lastPointAt, h.lastPointAt ?? -Infinity);
  return {
    seriesId: h.seriesId,
    stackKey: h.stackKey,
    signalId: h.signalId,
    status: 'ok',
    since: h.status === 'ok' ? h.since : nowMs,
    lastSuccessAt: nowMs,
    ...(newest !== undefined ? { lastPointAt: newest } : {}),
    consecutiveFailures: 0,
  };
}

/** A read that failed for good. */
export function recordFailure(h: SignalHealth, nowMs: number, reason: StaleReason, error: string): SignalHealth {
  return {
    ...h,
    status: 'stale',
    since: h.status === 'stale' ? h.since : nowMs,
    consecutiveFailures: h.consecutiveFailures + 1,
    reason,
    error,
  };
}

export function isStale(h: SignalHealth): boolean {
  return h.status === 'stale';
}
