import type { Redis } from 'ioredis';
import { newestPerSeries, parseScoreMember, scoreMember, SCORES_KEPT, type ScorePoint } from './score-window.ts';

/**
 * The detector's recent anomaly scores per series, in Redis, for the
 * dashboard's charts: a sorted set per series (`<prefix>:scores:<seriesId>`,
 * scored by time) trimmed to the newest `keep` entries on every write, so
 * its size is bounded however long the service runs. One round trip per
 * batch, written after the detector has scored it.
 */
export interface ScoreStore {
  add(points: readonly ScorePoint[]): Promise<void>;
  /** The kept scores of a series, oldest first. */
  recent(seriesId: string): Promise<{ t: number; s: number }[]>;
}

export function createScoreStore(redis: Redis, prefix: string, keep = SCORES_KEPT): ScoreStore {
  const key = (seriesId: string) => `${prefix}:scores:${seriesId}`;
  return {
    async add(points) {
      const bySeries = newestPerSeries(points, keep);
      if (bySeries.size === 0) return;
      // Two commands per series, however many points: one variadic ZADD and the trim. A point is
      // scored once (the stage skips what its detector has learnt), so its entry is written once;
      // a batch scored again after a failed save gives the same entry, which ZADD leaves as it is.
      const multi = redis.multi();
      for (const [id, list] of bySeries) {
        multi.zadd(key(id), ...list.flatMap((p) => [String(p.timestamp), scoreMember(p)]));
        multi.zremrangebyrank(key(id), '0', String(-keep - 1));
      }
      await multi.exec();
    },
    async recent(seriesId) {
      const raw = await redis.zrange(key(seriesId), '0', '-1');
      // One score per time, should two entries ever share one (a detector restarted afresh).
      const byTime = new Map<number, { t: number; s: number }>();
      for (const m of raw) {
        const p = parseScoreMember(m);
        if (p) byTime.set(p.t, p);
      }
      return [...byTime.values()];
    },
  };
}

/**
 * Coalesces score writes: a batch's scores wait up to `flushMs` and go out
 * with whatever else came meanwhile, so a backfill of many small batches
 * costs one write a second rather than one per batch. What waits is bounded
 * too: past `maxPending` points, only each series' newest kept ones stay.
 */
export function coalescedScores(store: ScoreStore, options: { flushMs?: number; maxPending?: number; keep?: number; onError?: (err: Error) => void } = {}) {
  const flushMs = options.flushMs ?? 1000;
  const maxPending = options.maxPending ?? 50_000;
  let pending: ScorePoint[] = [];
  let timer: NodeJS.Timeout | undefined;
  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const points = pending;
    pending = [];
    if (points.length > 0) await store.add(points).catch((err: Error) => options.onError?.(err));
  }
  return {
    /** Queues a batch's scores; resolves at once. */
    async add(points: readonly ScorePoint[]): Promise<void> {
      pending.push(...points);
      if (pending.length > maxPending) pending = [...newestPerSeries(pending, options.keep).values()].flat();
      timer ??= setTimeout(() => void flush(), flushMs);
    },
    /** Writes what waits now (on stop). */
    flush,
  };
}
