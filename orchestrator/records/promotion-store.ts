import type { Redis } from 'ioredis';
import { PromotionSchema, type Promotion } from '../promote/promotion.ts';

/**
 * Promotions in Redis, one per (repository, commit), shared by every worker
 * process: the intake opens one, deploy workers and the promotion tick move
 * it on, operators pause and resume it. Every change is a compare-and-set on
 * the stored text, so two processes moving the same promotion never lose
 * each other's step: the loser reads again and re-applies its change.
 */
export interface PromotionStore {
  /** Stores a new promotion; false (and nothing changed) when the commit already has one. */
  open(p: Promotion): Promise<boolean>;
  get(repo: string, commit: string): Promise<Promotion | undefined>;
  /** Newest first. */
  list(limit?: number): Promise<Promotion[]>;
  /**
   * Applies `change` to the stored promotion atomically; `change` returns
   * undefined to leave it as it is. Returns what is stored afterwards.
   */
  update(repo: string, commit: string, change: (p: Promotion) => Promotion | undefined): Promise<Promotion | undefined>;
}

/** Kept for 30 days after their last change; the index keeps the newest 500. */
const TTL_SECONDS = 30 * 86_400;
const KEEP = 500;
const CAS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 else return 0 end`;

export function createPromotionStore(redis: Redis, prefix = 'homeostat'): PromotionStore {
  const keyOf = (repo: string, commit: string) => `${prefix}:promotion:${repo}:${commit}`;
  const index = `${prefix}:promotions`;
  const parse = (raw: string | null): Promotion | undefined => {
    if (raw === null) return undefined;
    try {
      return PromotionSchema.parse(JSON.parse(raw));
    } catch {
      return undefined; // a record we cannot read holds nothing back
    }
  };
  return {
    async open(p) {
      const text = JSON.stringify(PromotionSchema.parse(p));
      const set = await redis.set(keyOf(p.repo, p.commit), text, 'EX', TTL_SECONDS, 'NX');
      if (set === null) return false;
      await redis.zadd(index, p.createdAt, `${p.repo}:${p.commit}`);
      await redis.zremrangebyrank(index, 0, -KEEP - 1);
      return true;
    },
    async get(repo, commit) {
      return parse(await redis.get(keyOf(repo, commit)));
    },
    async list(limit = 50) {
      const members = await redis.zrevrange(index, 0, limit - 1);
      if (members.length === 0) return [];
      const raws = await redis.mget(...members.map((m) => `${prefix}:promotion:${m}`));
      return raws.map(parse).filter((p): p is Promotion => p !== undefined);
    },
    async update(repo, commit, change) {
      const key = keyOf(repo, commit);
      for (let attempt = 0; attempt < 20; attempt++) {
        const raw = await redis.get(key);
        const current = parse(raw);
        if (!current || raw === null) return undefined;
        const next = change(current);
        if (next === undefined) return current;
        const text = JSON.stringify(PromotionSchema.parse(next));
        if ((await redis.eval(CAS, 1, key, raw, text, String(TTL_SECONDS))) === 1) return next;
      }
      throw new Error(`promotion ${repo}@${commit.slice(0, 7)}: too many concurrent changes`);
    },
  };
}
