import { z } from 'zod';
import type { DetectorSnapshot } from '../detect/index.ts';
import type { ForecasterSnapshot } from '../forecast/index.ts';

/**
 * What the telemetry stage keeps between polls and across restarts: per
 * series, the timestamp of the last point emitted (the watermark), the
 * anomaly detector's state and, for saturating signals, the forecaster's
 * state. `redis-telemetry-store.ts` keeps it in Redis;
 * {@link createMemoryTelemetryStore} keeps it in memory for tests and benches.
 */
export interface TelemetryStore {
  /** Watermarks of the given series; series never emitted are absent. */
  watermarks(seriesIds: readonly string[]): Promise<Map<string, number>>;
  /** Moves watermarks forward; a value at or before the stored one changes nothing. */
  advanceWatermarks(marks: ReadonlyMap<string, number>): Promise<void>;
  /**
   * When the newest poll that read each series began (ms since the epoch),
   * once its points were handed on: every point the source held at that
   * moment (up to the settle time) is then past the watermark. Series never
   * read are absent.
   */
  readAt(seriesIds: readonly string[]): Promise<Map<string, number>>;
  /** Moves read times forward, like {@link advanceWatermarks}. */
  advanceReadAt(times: ReadonlyMap<string, number>): Promise<void>;
  /** Stored detector states of the given series; absent when none. */
  detectorStates(seriesIds: readonly string[]): Promise<Map<string, StoredDetectorState>>;
  saveDetectorStates(states: ReadonlyMap<string, StoredDetectorState>): Promise<void>;
  /** Stored forecaster states of the given series; absent when none. */
  forecasterStates(seriesIds: readonly string[]): Promise<Map<string, StoredForecasterState>>;
  saveForecasterStates(states: ReadonlyMap<string, StoredForecasterState>): Promise<void>;
}

/** A detector's snapshot, with the timestamp of the last point it learnt from. */
export interface StoredDetectorState {
  readonly lastTimestamp: number;
  readonly snapshot: DetectorSnapshot;
}

export const StoredDetectorStateSchema = z.object({
  lastTimestamp: z.number(),
  snapshot: z.object({ version: z.number().int(), values: z.array(z.number().nullable()) }),
});

/** A forecaster's snapshot, with the timestamp of the last point it learnt from. */
export interface StoredForecasterState {
  readonly lastTimestamp: number;
  readonly snapshot: ForecasterSnapshot;
}

export const StoredForecasterStateSchema = z.object({
  lastTimestamp: z.number(),
  snapshot: z.object({ version: z.number().int(), values: z.array(z.number().nullable()) }),
});

/** An in-memory store: one process, no persistence. */
export function createMemoryTelemetryStore(): TelemetryStore {
  const marks = new Map<string, number>();
  const reads = new Map<string, number>();
  const states = new Map<string, string>();
  const forecasters = new Map<string, string>();
  return {
    watermarks: async (ids) => pick(marks, ids),
    advanceWatermarks: async (next) => advance(marks, next),
    readAt: async (ids) => pick(reads, ids),
    advanceReadAt: async (next) => advance(reads, next),
    detectorStates: async (ids) => parsedStates(states, ids, StoredDetectorStateSchema),
    // Stored as JSON, like Redis, so a caller cannot change a saved state through a shared reference.
    saveDetectorStates: async (next) => saveStates(states, next),
    forecasterStates: async (ids) => parsedStates(forecasters, ids, StoredForecasterStateSchema),
    saveForecasterStates: async (next) => saveStates(forecasters, next),
  };
}

function pick(from: ReadonlyMap<string, number>, ids: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) {
    const t = from.get(id);
    if (t !== undefined) out.set(id, t);
  }
  return out;
}

function advance(into: Map<string, number>, next: ReadonlyMap<string, number>): void {
  for (const [id, t] of next) if (t > (into.get(id) ?? -Infinity)) into.set(id, t);
}

function parsedStates<T>(from: ReadonlyMap<string, string>, ids: readonly string[], schema: z.ZodType<T>): Map<string, T> {
  const out = new Map<string, T>();
  for (const id of ids) {
    const raw = from.get(id);
    if (raw !== undefined) out.set(id, schema.parse(JSON.parse(raw)));
  }
  return out;
}

function saveStates(into: Map<string, string>, next: ReadonlyMap<string, unknown>): void {
  for (const [id, s] of next) into.set(id, JSON.stringify(s));
}
