import type { Redis } from 'ioredis';

/**
 * A worker's heartbeat in Redis: a key that the worker renews while its
 * process lives. Another host uses it to tell whether an engine lock of
 * ours can still have a live holder: the worker's engines die with it
 * (parent-death signal), and a worker cut off from Redis stops its engine
 * when it loses its stack lease, which is well before its heartbeat expires.
 */
export interface WorkerHeartbeat {
  stop(): Promise<void>;
}

const key = (prefix: string, worker: string) => `${prefix}:worker:${worker}`;

/** Starts renewing `worker`'s heartbeat every third of `ttlMs`. */
export function startWorkerHeartbeat(redis: Redis, options: { prefix: string; worker: string; host: string; ttlMs: number }): WorkerHeartbeat {
  const beat = () =>
    redis.set(key(options.prefix, options.worker), options.host, 'PX', options.ttlMs).catch(() => {
      // Redis away: the heartbeat runs out, which is what the other hosts should see.
    });
  void beat();
  const timer = setInterval(() => void beat(), Math.max(100, Math.floor(options.ttlMs / 3)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.del(key(options.prefix, options.worker)).catch(() => undefined);
    },
  };
}

/** Which of `workers` have a fresh heartbeat. */
export async function aliveWorkers(redis: Redis, prefix: string, workers: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(workers)];
  if (unique.length === 0) return new Set();
  const found = await redis.mget(unique.map((w) => key(prefix, w)));
  return new Set(unique.filter((_, i) => found[i] !== null));
}
