import type { Redis } from 'ioredis';
import { StreamWatermarkSchema, type StreamWatermark } from './log-watermark.ts';

/**
 * Where the log poller keeps its place, in Redis, shared by every process:
 * - `<prefix>:logs:read-to`: hash, field = log group name, the end (ms) of
 *   the last read of the group that went through every page;
 * - `<prefix>:logs:streams:<group>`: hash, field = log stream name, the
 *   stream's watermark as JSON (`{ts, ids}`), validated when read back.
 * One poller reads a group at a time (the poller of the stack that owns it).
 */
export interface LogWatermarkStore {
  readTo(group: string): Promise<number | undefined>;
  /** The watermarks of the group's streams seen so far. */
  streams(group: string): Promise<Map<string, StreamWatermark>>;
  /**
   * Stores moved stream watermarks, the read's end when the read is complete,
   * and drops the watermarks of streams named in `drop`; one transaction.
   */
  commit(group: string, moved: ReadonlyMap<string, StreamWatermark>, readTo?: number, drop?: readonly string[]): Promise<void>;
}

export interface RedisLogWatermarkStoreDeps {
  redis: Redis;
  /** @defaultValue 'homeostat' */
  prefix?: string;
}

export function createRedisLogWatermarkStore(deps: RedisLogWatermarkStoreDeps): LogWatermarkStore {
  const { redis } = deps;
  const prefix = deps.prefix ?? 'homeostat';
  const readToKey = `${prefix}:logs:read-to`;
  const streamsKey = (group: string): string => `${prefix}:logs:streams:${group}`;
  return {
    async readTo(group) {
      const raw = await redis.hget(readToKey, group);
      if (raw === null) return undefined;
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) throw new Error(`${readToKey} ${group}: not a timestamp: ${raw.slice(0, 40)}`);
      return n;
    },
    async streams(group) {
      const all = await redis.hgetall(streamsKey(group));
      const out = new Map<string, StreamWatermark>();
      for (const [stream, raw] of Object.entries(all)) {
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch {
          json = undefined;
        }
        const parsed = StreamWatermarkSchema.safeParse(json);
        if (!parsed.success) throw new Error(`${streamsKey(group)} ${stream}: bad watermark: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        out.set(stream, parsed.data);
      }
      return out;
    },
    async commit(group, moved, readTo, drop = []) {
      const tx = redis.multi();
      if (drop.length) tx.hdel(streamsKey(group), ...drop);
      if (moved.size) tx.hset(streamsKey(group), Object.fromEntries([...moved].map(([s, m]) => [s, JSON.stringify(m)])));
      if (readTo !== undefined) tx.hset(readToKey, group, String(readTo));
      const results = await tx.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0]!;
    },
  };
}
