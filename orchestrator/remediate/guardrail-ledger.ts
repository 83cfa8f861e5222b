import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { CanaryVerification, GuardrailState } from '../decide/guardrail-state.ts';
import { TrackCountsSchema, countsOf, updateTrackRecord, type Outcome, type TrackCounts, type TrackRecord } from '../decide/track-record.ts';
import type { StackContract } from '../../stacks/contract.ts';

const HOUR_MS = 60 * 60_000;

/** Settings an operator changes while the service runs; they override the config file's. */
export const RuntimeControlsSchema = z.object({ dryRun: z.boolean().optional(), killSwitch: z.boolean().optional() }).strict();
export type RuntimeControls = z.infer<typeof RuntimeControlsSchema>;

/**
 * What the guardrails count, shared by every worker process through Redis:
 * automated changes per stack and globally (sorted sets by time, trimmed to
 * the hour), the last change per playbook and stack, automatic rollbacks in
 * a row per stack, canary verifications, the playbooks' track record, and
 * the run-time controls (dry-run, kill switch).
 */
/** The track record of one `playbook@stack` field, as a record of that one entry (or none). */
async function storedTrack(redis: Redis, key: string, field: string): Promise<TrackRecord> {
  const raw = await redis.hget(key, field);
  return { entries: raw === null ? {} : { [field]: TrackCountsSchema.parse(JSON.parse(raw)) } };
}

export function createGuardrailLedger(redis: Redis, prefix = 'homeostat') {
  const k = (...parts: string[]) => [prefix, 'guard', ...parts].join(':');
  const changes = (stackKey?: string) => (stackKey ? k('changes', stackKey) : k('changes'));

  return {
    /** The guardrails' view of the past for one proposal, at `now`. */
    async state(stackKey: string, playbook: string, now: number, contract?: StackContract): Promise<GuardrailState> {
      const since = now - HOUR_MS;
      const [stack, global, last, rollbacks, canaries] = await Promise.all([
        redis.zcount(changes(stackKey), since, '+inf'),
        redis.zcount(changes(), since, '+inf'),
        redis.get(k('last', stackKey, playbook)),
        redis.get(k('rollbacks', stackKey)),
        redis.lrange(k('canary'), 0, 199),
      ]);
      return {
        changesLastHour: { stack, global },
        ...(last !== null ? { lastChangeAt: Number(last) } : {}),
        consecutiveRollbacks: Number(rollbacks ?? 0),
        canaryVerified: canaries.map((c) => JSON.parse(c) as CanaryVerification),
        ...(contract ? { contract } : {}),
      };
    },
    /** Counts an automated change (made or merged now) against the rate limits and the cooldown. */
    async recordChange(stackKey: string, playbook: string, at: number, id: string): Promise<void> {
      await redis
        .multi()
        .zadd(changes(stackKey), at, id)
        .zadd(changes(), at, `${stackKey} ${id}`)
        .zremrangebyscore(changes(stackKey), '-inf', at - 2 * HOUR_MS)
        .zremrangebyscore(changes(), '-inf', at - 2 * HOUR_MS)
        .set(k('last', stackKey, playbook), String(at))
        .exec();
    },
    /** An automatic rollback: one more in a row. Returns how many in a row now. */
    recordRollback(stackKey: string): Promise<number> {
      return redis.incr(k('rollbacks', stackKey));
    },
    /** A change was kept, or a person acted: the run of rollbacks ends. */
    async resetRollbacks(stackKey: string): Promise<void> {
      await redis.del(k('rollbacks', stackKey));
    },
    async recordCanaryVerified(v: CanaryVerification): Promise<void> {
      await redis.multi().lpush(k('canary'), JSON.stringify(v)).ltrim(k('canary'), 0, 199).exec();
    },

    /** The track record of one playbook on one stack. */
    async counts(playbook: string, stackKey: string): Promise<TrackCounts> {
      return countsOf(await storedTrack(redis, k('track'), `${playbook}@${stackKey}`), playbook, stackKey);
    },
    /**
     * Counts one outcome. Callers hold the stack's remediation lock, so the
     * read-modify-write of one entry has a single writer.
     */
    async recordOutcome(outcome: Outcome): Promise<TrackCounts> {
      const field = `${outcome.playbook}@${outcome.stackKey}`;
      const after = countsOf(updateTrackRecord(await storedTrack(redis, k('track'), field), outcome), outcome.playbook, outcome.stackKey);
      await redis.hset(k('track'), field, JSON.stringify(after));
      return after;
    },
    async trackRecord(): Promise<TrackRecord> {
      const all = await redis.hgetall(k('track'));
      return { entries: Object.fromEntries(Object.entries(all).map(([f, v]) => [f, TrackCountsSchema.parse(JSON.parse(v))])) };
    },

    async controls(): Promise<RuntimeControls> {
      const raw = await redis.get(k('controls'));
      return raw === null ? {} : RuntimeControlsSchema.parse(JSON.parse(raw));
    },
    /** Merges `change` into the run-time controls; returns them as they now stand. */
    async setControls(change: RuntimeControls): Promise<RuntimeControls> {
      const next = { ...(await this.controls()), ...RuntimeControlsSchema.parse(change) };
      await redis.set(k('controls'), JSON.stringify(next));
      return next;
    },
  };
}
export type GuardrailLedger = ReturnType<typeof createGuardrailLedger>;
