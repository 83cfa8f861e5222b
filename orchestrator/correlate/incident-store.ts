import type { Redis } from 'ioredis';
import { z } from 'zod';
import { IncidentSchema, parseTrackerState, initialTrackerState, type TrackerState } from './index.ts';
import { LogTemplateEvidenceSchema, ProbableCauseSchema } from '../diagnose/index.ts';
import { IncidentAnalysisSchema } from '../diagnose/incident-analysis.ts';

/** An incident as served by the API: the tracker's incident and its diagnosis. */
export const IncidentRecordSchema = z.object({
  incident: IncidentSchema,
  causes: z.array(ProbableCauseSchema),
  summary: z.string(),
  /** The log templates behind the incident, a few redacted lines each (error-level and new ones first). Absent: none read. */
  logs: z.array(LogTemplateEvidenceSchema).optional(),
  updatedAt: z.string(),
  /**
   * What the diagnosis was made from (input versions) and the context later
   * stages need; absent in records written before it existed, which readers
   * then analyse again.
   */
  analysis: IncidentAnalysisSchema.optional(),
});
export type IncidentRecord = z.infer<typeof IncidentRecordSchema>;

/** Incidents, the tracker's state and recent signal values, in Redis. */
export function createIncidentStore(redis: Redis, prefix = 'homeostat') {
  const key = (id: string) => `${prefix}:incident:${id}`;
  const index = `${prefix}:incidents`;
  const trackerKey = `${prefix}:aiops:tracker`;
  const recentKey = (seriesId: string) => `${prefix}:recent:${seriesId}`;
  return {
    async save(record: IncidentRecord): Promise<void> {
      await redis
        .multi()
        .set(key(record.incident.id), JSON.stringify(IncidentRecordSchema.parse(record)))
        .zadd(index, record.incident.onsetAt, record.incident.id)
        .exec();
    },
    async get(id: string): Promise<IncidentRecord | undefined> {
      const raw = await redis.get(key(id));
      return raw === null ? undefined : IncidentRecordSchema.parse(JSON.parse(raw));
    },
    async list(limit = 50): Promise<IncidentRecord[]> {
      const ids = await redis.zrevrange(index, 0, limit - 1);
      if (ids.length === 0) return [];
      return (await redis.mget(ids.map(key))).flatMap((r) => (r === null ? [] : [IncidentRecordSchema.parse(JSON.parse(r))]));
    },
    async trackerState(): Promise<TrackerState> {
      const raw = await redis.get(trackerKey);
      return raw === null ? initialTrackerState() : parseTrackerState(JSON.parse(raw));
    },
    async saveTrackerState(state: TrackerState): Promise<void> {
      await redis.set(trackerKey, JSON.stringify(state));
    },
    /** Keeps the last `keep` values of each series, for diagnosis (demand against its baseline). */
    async addRecent(points: readonly { seriesId: string; timestamp: number; value: number }[], keep = 240): Promise<void> {
      if (points.length === 0) return;
      const multi = redis.multi();
      for (const p of points) multi.zadd(recentKey(p.seriesId), p.timestamp, `${p.timestamp}:${p.value}`);
      for (const id of new Set(points.map((p) => p.seriesId))) multi.zremrangebyrank(recentKey(id), '0', String(-keep - 1));
      await multi.exec();
    },
    async recent(seriesId: string): Promise<{ timestamp: number; value: number }[]> {
      const raw = await redis.zrange(recentKey(seriesId), '0', '-1');
      return raw.map((r) => {
        const [t, v] = r.split(':');
        return { timestamp: Number(t), value: Number(v) };
      });
    },
  };
}
export type IncidentStore = ReturnType<typeof createIncidentStore>;
