import type { Redis } from 'ioredis';
import type { z } from 'zod';
import {
  StoredDetectorStateSchema,
  StoredForecasterStateSchema,
  type StoredDetectorState,
  type StoredForecasterState,
  type TelemetryStore,
} from './telemetry-store.ts';

/**
 * {@link TelemetryStore} in Redis, shared by every orchestrator process:
 * two hashes per prefix, field = series id.
 * - `<prefix>:telemetry:watermarks`: ms timestamp of the last point emitted;
 *   moved forward only, by a script, so two pollers never move it back;
 * - `<prefix>:telemetry:read-at`: when the newest poll that read the series
 *   began, ms since the epoch; moved forward only, likewise;
 * - `<prefix>:telemetry:detector`: the detector state, JSON, validated when read back;
 * - `<prefix>:telemetry:forecast`: the forecaster state of saturating signals, likewise.
 */

/** Fields per HMGET/HSET/script call, to keep each command small. */
const CHUNK = 1000;

// Sets each field only when the new value is larger than the stored one.
const ADVANCE = `
for i = 1, #ARGV, 2 do
  local cur = redis.call('hget', KEYS[1], ARGV[i])
  if (not cur) or tonumber(ARGV[i + 1]) > tonumber(cur) then
    redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1`;

export interface RedisTelemetryStoreDeps {
  redis: Redis;
  /**
   * Key prefix.
   * @defaultValue 'homeostat'
   */
  prefix?: string;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export function createRedisTelemetryStore(deps: RedisTelemetryStoreDeps): TelemetryStore {
  const { redis } = deps;
  const prefix = deps.prefix ?? 'homeostat';
  const watermarkKey = `${prefix}:telemetry:watermarks`;
  const detectorKey = `${prefix}:telemetry:detector`;
  const forecastKey = `${prefix}:telemetry:forecast`;
  const readAtKey = `${prefix}:telemetry:read-at`;

  /** Each series' field of hash `key`, parsed; absent fields are left out. */
  async function readFields<T>(key: string, ids: readonly string[], parse: (raw: string, id: string) => T): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (const part of chunks(ids)) {
      if (part.length === 0) continue;
      const values = await redis.hmget(key, ...part);
      part.forEach((id, i) => {
        const raw = values[i];
        if (raw !== null && raw !== undefined) out.set(id, parse(raw, id));
      });
    }
    return out;
  }

  const readTimes = (key: string, what: string, ids: readonly string[]) =>
    readFields(key, ids, (raw, id) => {
      const t = Number(raw);
      if (!Number.isFinite(t)) throw new Error(`corrupt ${what} for series ${id} in ${key}: ${JSON.stringify(raw)}`);
      return t;
    });

  async function advanceTimes(key: string, times: ReadonlyMap<string, number>): Promise<void> {
    for (const part of chunks([...times])) {
      await redis.eval(ADVANCE, 1, key, ...part.flatMap(([id, t]) => [id, String(t)]));
    }
  }

  const readStates = <T>(key: string, what: string, schema: z.ZodType<T>, ids: readonly string[]) =>
    readFields(key, ids, (raw, id) => {
      const parsed = schema.safeParse(JSON.parse(raw));
      if (!parsed.success) throw new Error(`corrupt ${what} state for series ${id}: ${parsed.error.issues.map((x) => x.path.join('.') || '(root)').join(', ')}`);
      return parsed.data;
    });

  async function saveStates(key: string, states: ReadonlyMap<string, unknown>): Promise<void> {
    for (const part of chunks([...states])) {
      if (part.length === 0) continue;
      await redis.hset(key, Object.fromEntries(part.map(([id, s]) => [id, JSON.stringify(s)])));
    }
  }

  return {
    watermarks: (ids) => readTimes(watermarkKey, 'watermark', ids),
    advanceWatermarks: (marks) => advanceTimes(watermarkKey, marks),
    readAt: (ids) => readTimes(readAtKey, 'read time', ids),
    advanceReadAt: (times) => advanceTimes(readAtKey, times),
    detectorStates: (ids) => readStates<StoredDetectorState>(detectorKey, 'detector', StoredDetectorStateSchema, ids),
    saveDetectorStates: (states) => saveStates(detectorKey, states),
    forecasterStates: (ids) => readStates<StoredForecasterState>(forecastKey, 'forecaster', StoredForecasterStateSchema, ids),
    saveForecasterStates: (states) => saveStates(forecastKey, states),
  };
}
