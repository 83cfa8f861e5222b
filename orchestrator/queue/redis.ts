import { Redis } from 'ioredis';
import { throttledErrors } from './throttled-errors.ts';

/**
 * A Redis connection as BullMQ needs it: commands wait for a reconnect
 * instead of failing after a few retries (`maxRetriesPerRequest: null`).
 * A lost connection is said once per kind of error, to `say` (default
 * stderr).
 */
export function createRedis(url: string, options: { lazyConnect?: boolean; say?: (line: string) => void } = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: options.lazyConnect ?? false });
  const say = options.say ?? ((line: string) => console.error(`homeostat: ${line}`));
  // Without a listener ioredis prints a stack trace per failed reconnect attempt.
  redis.on(
    'error',
    throttledErrors((err) => say(`Redis ${redis.options.host ?? ''}:${redis.options.port ?? ''}: ${err.message} (reconnecting)`)),
  );
  return redis;
}

/** Redis is not set up to keep queued jobs: starting would risk losing pushes silently. */
export class RedisConfigError extends Error {
  override readonly name = 'RedisConfigError';
}

/** Reads one field of `INFO <section>` (works where `CONFIG GET` is disabled, as on managed Redis). */
export function infoField(info: string, field: string): string | undefined {
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

/**
 * BullMQ keeps every queued job in Redis: an eviction policy other than
 * `noeviction` lets Redis drop them under memory pressure, and a push would
 * be lost without a trace. The service refuses to start on such a Redis.
 */
export async function assertDurableRedis(redis: Redis): Promise<void> {
  const policy = infoField(await redis.info('memory'), 'maxmemory_policy');
  if (policy !== undefined && policy !== 'noeviction') {
    throw new RedisConfigError(
      `Redis has maxmemory-policy ${policy}: it may evict queued jobs. Set maxmemory-policy noeviction (redis.conf or CONFIG SET maxmemory-policy noeviction) and start again`,
    );
  }
}
