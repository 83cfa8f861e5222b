import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { SignalHealth } from './signal-health.ts';

/**
 * The signals' health as the process that reads CloudWatch last saw it,
 * kept in Redis for every other process of the same prefix. Only the reader
 * (the one holding the metrics turn) polls, so without this a dashboard
 * behind a load balancer would see the signals on one host and an empty list
 * on the others.
 *
 * One key, written after each poll and expiring after a few poll intervals:
 * when the reader stops or dies, the list goes away with it until the next
 * reader's first poll, rather than standing as if fresh.
 */

const SignalHealthSchema = z.object({
  seriesId: z.string(),
  stackKey: z.string(),
  signalId: z.string(),
  status: z.enum(['pending', 'ok', 'stale']),
  since: z.number().optional(),
  lastSuccessAt: z.number().optional(),
  lastPointAt: z.number().optional(),
  consecutiveFailures: z.number().int().nonnegative(),
  reason: z.enum(['Throttled', 'SourceUnavailable', 'InvalidQuery', 'Rejected']).optional(),
  error: z.string().optional(),
});

const SnapshotSchema = z.object({ readBy: z.string(), at: z.number(), signals: z.array(SignalHealthSchema) });
export type SignalHealthSnapshot = z.infer<typeof SnapshotSchema>;

export interface SignalHealthStore {
  /** Written by the reader after each poll. */
  publish(readBy: string, signals: readonly SignalHealth[]): Promise<void>;
  /** The reader's last list; undefined when none is fresh. Throws naming what is wrong when the stored value is not one. */
  read(): Promise<SignalHealthSnapshot | undefined>;
}

export function createSignalHealthStore(redis: Redis, options: { prefix: string; ttlMs: number }): SignalHealthStore {
  const key = `${options.prefix}:telemetry:signal-health`;
  return {
    async publish(readBy, signals) {
      await redis.set(key, JSON.stringify({ readBy, at: Date.now(), signals }), 'PX', Math.max(1, Math.round(options.ttlMs)));
    },
    async read() {
      const text = await redis.get(key);
      if (text === null) return undefined;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new Error(`${key} in Redis is not JSON`);
      }
      const parsed = SnapshotSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`${key} in Redis is not a signal health list: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).slice(0, 3).join('; ')}`);
      return parsed.data;
    },
  };
}
