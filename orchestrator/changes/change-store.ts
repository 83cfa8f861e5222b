import type { Redis } from 'ioredis';
import { StackChangeSchema, type StackChange } from './stack-resources.ts';

/**
 * The change events of Homeostat's stacks, in Redis, for the diagnosis to read:
 * - `<prefix>:changes:events`: hash, field = event id, the {@link StackChange} as JSON;
 * - `<prefix>:changes:by-time`: sorted set of event ids scored by the change's time.
 * Recording an id again changes nothing (EventBridge and SQS deliver at
 * least once). Events older than `retainMs` are dropped as new ones arrive.
 */
export interface ChangeStore {
  /** Records `changes`; returns how many were new. */
  record(changes: readonly StackChange[]): Promise<number>;
  /** Changes at or after `sinceMs` (epoch ms), oldest first, at most `limit`. */
  since(sinceMs: number, limit?: number): Promise<StackChange[]>;
  get(id: string): Promise<StackChange | undefined>;
}

export interface RedisChangeStoreDeps {
  redis: Redis;
  /** @defaultValue 'homeostat' */
  prefix?: string;
  /** How long a change is kept, ms. @defaultValue 86_400_000 (a day: longer than any diagnosis or drift look-back) */
  retainMs?: number;
  /** Clock for the retention cut. @defaultValue Date.now */
  now?: () => number;
}

function parseStored(key: string, id: string, raw: string): StackChange {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = StackChangeSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${key} ${id}: bad change event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function createRedisChangeStore(deps: RedisChangeStoreDeps): ChangeStore {
  const { redis } = deps;
  const prefix = deps.prefix ?? 'homeostat';
  const eventsKey = `${prefix}:changes:events`;
  const byTimeKey = `${prefix}:changes:by-time`;
  const retainMs = deps.retainMs ?? 86_400_000;
  const now = deps.now ?? Date.now;

  async function prune(): Promise<void> {
    const old = await redis.zrangebyscore(byTimeKey, '-inf', `(${now() - retainMs}`);
    if (old.length === 0) return;
    await redis.multi().zrem(byTimeKey, ...old).hdel(eventsKey, ...old).exec();
  }

  return {
    async record(changes) {
      let added = 0;
      for (const c of changes) {
        const valid = StackChangeSchema.parse(c);
        // HSETNX first: the hash decides whether the id is new, so a redelivery keeps the first record.
        if ((await redis.hsetnx(eventsKey, valid.id, JSON.stringify(valid))) === 1) added++;
        await redis.zadd(byTimeKey, valid.at, valid.id);
      }
      await prune();
      return added;
    },
    async since(sinceMs, limit = 500) {
      const ids = await redis.zrangebyscore(byTimeKey, sinceMs, '+inf', 'LIMIT', 0, limit);
      if (ids.length === 0) return [];
      const raws = await redis.hmget(eventsKey, ...ids);
      const out: StackChange[] = [];
      ids.forEach((id, i) => {
        const raw = raws[i];
        if (raw !== null && raw !== undefined) out.push(parseStored(eventsKey, id, raw));
      });
      return out;
    },
    async get(id) {
      const raw = await redis.hget(eventsKey, id);
      return raw === null ? undefined : parseStored(eventsKey, id, raw);
    },
  };
}
