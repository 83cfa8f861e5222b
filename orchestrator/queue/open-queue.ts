import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * A BullMQ queue on a shared connection made by `createRedis`.
 *
 * BullMQ re-emits its connection's errors on the queue and, when the queue
 * has no listener, prints each one with its stack: during a Redis restart
 * that is a trace per reconnect attempt per queue. The connection's own
 * listener already says it, once a minute (queue/redis.ts), so here the
 * queue's copy is taken and dropped.
 */
export function openQueue<Data, Result = unknown, Name extends string = string>(name: string, connection: Redis, prefix: string): Queue<Data, Result, Name> {
  const queue = new Queue<Data, Result, Name>(name, { connection, prefix });
  queue.on('error', () => {});
  return queue;
}
