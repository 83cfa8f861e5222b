import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { createStackLock, type StackLease } from '../queue/stack-lock.ts';

/**
 * Whose turn it is to read a source that every process could read
 * (CloudWatch metrics, CloudWatch Logs): one process at a time among those
 * sharing a Redis prefix. Two readers would score each point twice and queue
 * each anomaly twice, and two log readers would mine the same lines into two
 * template sets. The turn is a lease renewed in the background (the stack
 * lock's mechanism, under a key of its own): a process that dies passes the
 * turn on within one lease, one cut off from Redis gives it up within half.
 */
export type Turn =
  /** Ours, as at the last read. */
  | 'kept'
  /** Ours from now: what this process kept in memory from an earlier turn may be stale (another process read meanwhile). */
  | 'taken'
  /** Another process reads. */
  | 'elsewhere';

export interface ReaderTurn {
  take(): Promise<Turn>;
  /** Hands the turn on at once (at shutdown), rather than a lease later. */
  release(): Promise<void>;
}

export interface ReaderTurnOptions {
  prefix: string;
  /** What is read, e.g. `metrics` or `logs`; one turn per name. */
  name: string;
  /** This process, as other processes and the lock's holder read it. */
  owner: string;
  /** @defaultValue 15 000 ms: how long a dead reader's turn lasts. */
  leaseMs?: number;
}

/** This process as a turn's owner: the worker's id when it has one, else host, pid and a random part (a pid is reused across restarts). */
export function processOwner(workerId?: string): string {
  return workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export function createReaderTurn(redis: Redis, o: ReaderTurnOptions): ReaderTurn {
  const lock = createStackLock(redis, { prefix: o.prefix, leaseMs: o.leaseMs ?? 15_000 });
  const key = `reader:${o.name}`;
  let lease: StackLease | undefined;
  return {
    async take() {
      if (lease?.held()) return 'kept';
      lease = await lock.tryAcquire(key, o.owner);
      return lease ? 'taken' : 'elsewhere';
    },
    async release() {
      await lease?.release();
      lease = undefined;
    },
  };
}
