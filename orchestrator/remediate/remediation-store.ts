import type { Redis } from 'ioredis';
import { RemediationRecordSchema, ReviewItemSchema, type RemediationRecord, type ReviewItem } from './remediation-record.ts';

/** Remediation records and review items, in Redis, validated when read back. */
export function createRemediationStore(redis: Redis, prefix = 'homeostat') {
  const recKey = (id: string) => `${prefix}:remediation:${id}`;
  const recIndex = `${prefix}:remediations`;
  const reviewKey = (id: string) => `${prefix}:review:${id}`;
  const reviewIndex = `${prefix}:reviews`;

  async function many<T>(keys: string[], parse: (raw: unknown) => T): Promise<T[]> {
    if (keys.length === 0) return [];
    return (await redis.mget(keys)).flatMap((r) => (r === null ? [] : [parse(JSON.parse(r))]));
  }

  return {
    async save(record: RemediationRecord): Promise<void> {
      const valid = RemediationRecordSchema.parse(record);
      await redis.multi().set(recKey(valid.id), JSON.stringify(valid)).zadd(recIndex, Date.parse(valid.createdAt), valid.id).exec();
    },
    async get(id: string): Promise<RemediationRecord | undefined> {
      const raw = await redis.get(recKey(id));
      return raw === null ? undefined : RemediationRecordSchema.parse(JSON.parse(raw));
    },
    /** Newest first, optionally only one incident's or one stack's. */
    async list(options: { limit?: number; incidentId?: string; stackKey?: string } = {}): Promise<RemediationRecord[]> {
      const ids = await redis.zrevrange(recIndex, 0, Math.max(0, (options.incidentId || options.stackKey ? 500 : (options.limit ?? 50)) - 1));
      const all = await many(ids.map(recKey), (r) => RemediationRecordSchema.parse(r));
      return all.filter((r) => (!options.incidentId || r.incidentId === options.incidentId) && (!options.stackKey || r.stackKey === options.stackKey)).slice(0, options.limit ?? 50);
    },
    async saveReview(item: ReviewItem): Promise<void> {
      const valid = ReviewItemSchema.parse(item);
      await redis.multi().set(reviewKey(valid.id), JSON.stringify(valid)).zadd(reviewIndex, Date.parse(valid.createdAt), valid.id).exec();
    },
    async review(id: string): Promise<ReviewItem | undefined> {
      const raw = await redis.get(reviewKey(id));
      return raw === null ? undefined : ReviewItemSchema.parse(JSON.parse(raw));
    },
    async reviews(options: { status?: ReviewItem['status']; limit?: number } = {}): Promise<ReviewItem[]> {
      const ids = await redis.zrevrange(reviewIndex, 0, 499);
      const all = await many(ids.map(reviewKey), (r) => ReviewItemSchema.parse(r));
      return all.filter((r) => !options.status || r.status === options.status).slice(0, options.limit ?? 100);
    },
    /**
     * Moves an open review item to `approved` or `rejected`, once: a second
     * decision (another person, a double click) finds it decided and gets
     * false. Compare-and-set on the stored JSON.
     */
    async decideReview(id: string, change: Pick<ReviewItem, 'status' | 'decidedBy'> & { reason?: string }, at = new Date().toISOString()): Promise<ReviewItem | false | undefined> {
      for (let tries = 0; tries < 10; tries++) {
        const raw = await redis.get(reviewKey(id));
        if (raw === null) return undefined;
        const item = ReviewItemSchema.parse(JSON.parse(raw));
        if (item.status !== 'open') return false;
        const next: ReviewItem = { ...item, status: change.status, decidedBy: change.decidedBy, decidedAt: at, ...(change.reason ? { reason: change.reason } : {}) };
        const ok = await redis.eval(CAS, 1, reviewKey(id), raw, JSON.stringify(ReviewItemSchema.parse(next)));
        if (ok === 1) return next;
      }
      throw new Error(`could not decide review ${id}: too much contention`);
    },
  };
}
export type RemediationStore = ReturnType<typeof createRemediationStore>;

const CAS = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2]) return 1 else return 0 end`;
