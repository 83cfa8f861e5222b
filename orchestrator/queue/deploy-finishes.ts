import { QueueEvents, type QueueEventsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEPLOY_QUEUE } from './deploy-queue.ts';

/**
 * Wakes whoever waits for a deploy job to end, from BullMQ's own event
 * stream of the deploy queue (any process may run the job). A waiter is told
 * only that *some* preview or apply finished (completed, or failed an
 * attempt): it then reads the run records it cares about, which the deploy
 * worker has written before the job ends.
 */
export interface DeployFinishes {
  /**
   * Resolves at the next finish after this call, or when `signal` aborts.
   * Take it *before* reading the records, so that a finish between the read
   * and the wait is not missed.
   */
  next(signal?: AbortSignal): Promise<void>;
  /** Settles once the watch reads the stream: every finish after that wakes waiters. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function watchDeployFinishes(connection: Redis, prefix: string, onError: (err: Error) => void = () => {}): DeployFinishes {
  // QueueEvents blocks on XREAD: it needs a connection of its own.
  const own = connection.duplicate();
  own.on('error', () => {});
  const events = new QueueEvents(DEPLOY_QUEUE, { connection: own, prefix, autorun: false });
  events.on('error', onError);
  // Read from the stream's newest entry as it is now, not from whatever is
  // newest when the blocking read starts: a finish in between would be lost.
  const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));
  let closed = false;
  const ready = connection
    .xrevrange(events.toKey('events'), '+', '-', 'COUNT', 1)
    .then(
      (last) => {
        (events.opts as QueueEventsOptions).lastEventId = last[0]?.[0] ?? '0-0';
      },
      // Without it, from the read's start ('$'); the waiters' rechecks cover the gap.
      (err: unknown) => onError(asError(err)),
    )
    .then(() => {
      if (!closed) events.run().catch((err: unknown) => onError(asError(err)));
    });
  let waiters: (() => void)[] = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  events.on('completed', wake);
  events.on('failed', wake);

  return {
    ready,
    next(signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
          signal?.removeEventListener('abort', done);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        };
        waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    async close() {
      // Not waiting for `ready`: with Redis gone its read would wait for a reconnect, and the stop with it.
      closed = true;
      wake();
      await events.close();
      own.disconnect();
    },
  };
}
