import type { Redis } from 'ioredis';
import { SavedPlanSchema, type SavedPlan } from '../plan/update-plan.ts';

/**
 * The service's cache of update plans saved by previews, in Redis: every
 * worker process, on any host, finds the plan another one's preview saved
 * (a policy check and the apply of its decided commit rarely run in the same
 * process). Keys come from `planKey` (content, stack, packs); the stack's
 * state version is kept in the entry, so that an apply can tell "no plan"
 * from "the stack moved".
 */
export interface PlanStore {
  save(key: string, plan: SavedPlan): Promise<void>;
  /** The plan saved under `key`; undefined when none is (or it expired). A corrupt entry is dropped, never used. */
  get(key: string): Promise<SavedPlan | undefined>;
}

/** How long a saved plan is kept: a day covers a review's wait; later, the apply previews afresh. Default 86 400 s. */
export const PLAN_TTL_SECONDS = 86_400;

export function createPlanStore(redis: Redis, prefix = 'homeostat', ttlSeconds = PLAN_TTL_SECONDS): PlanStore {
  const keyOf = (key: string) => `${prefix}:plan:${key}`;
  return {
    async save(key, plan) {
      await redis.set(keyOf(key), JSON.stringify(SavedPlanSchema.parse(plan)), 'EX', ttlSeconds);
    },
    async get(key) {
      const raw = await redis.get(keyOf(key));
      if (raw === null) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const parsed = SavedPlanSchema.safeParse(json);
      if (parsed.success) return parsed.data;
      // A plan we cannot read is no plan: the apply previews afresh.
      await redis.del(keyOf(key));
      return undefined;
    },
  };
}
