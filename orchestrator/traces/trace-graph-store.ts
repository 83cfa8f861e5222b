import type { Redis } from 'ioredis';
import { TraceGraphSchema, type TraceGraph } from './trace-graph.ts';

/**
 * The latest service graph from traces, in Redis: the receiver's process
 * aggregates spans, and the correlate worker (possibly in another process)
 * reads the graph for the topology and diagnosis. One key,
 * `<prefix>:traces:graph`, JSON, validated when read back; it expires when
 * no process has refreshed it for `ttlMs`, so a receiver that stopped
 * leaves no stale graph behind.
 */
export function createTraceGraphStore(redis: Redis, prefix = 'homeostat', ttlMs = 15 * 60_000) {
  const key = `${prefix}:traces:graph`;
  return {
    async save(graph: TraceGraph): Promise<void> {
      await redis.set(key, JSON.stringify(graph), 'PX', ttlMs);
    },
    /** The graph, or undefined when there is none (or it does not parse: a newer format, say). */
    async load(): Promise<TraceGraph | undefined> {
      const text = await redis.get(key);
      if (text === null) return undefined;
      try {
        const parsed = TraceGraphSchema.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export type TraceGraphStore = ReturnType<typeof createTraceGraphStore>;
