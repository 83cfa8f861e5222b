import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ needs it: commands wait for a reconnect
 * instead of failing after a few retries (`maxRetriesPerRequest: null`).
 */
export function createRedis(url: string, options: { lazyConnect?: boolean } = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: options.lazyConnect ?? false });
}
