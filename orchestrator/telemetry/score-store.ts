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
      const multi = redis.multi();
      for (const [id, list] of bySeries) {
        // One entry per timestamp: an earlier entry for the same time is replaced.
        for (const p of list) multi.zremrangebyscore(key(id), p.timestamp, p.timestamp).zadd(key(id), p.timestamp, scoreMember(p));
        multi.zremrangebyrank(key(id), '0', String(-keep - 1));
      }
      await multi.exec();
    },
    async recent(seriesId) {
      const raw = await redis.zrange(key(seriesId), '0', '-1');
      return raw.flatMap((m) => {
        const p = parseScoreMember(m);
        return p ? [p] : [];
      });
    },
  };
}
