import type { Redis } from 'ioredis';
import { TimelineEventSchema, type TimelineEvent } from './timeline-event.ts';

/** One event of the shared timeline, with its id in the Redis stream (`<ms>-<seq>`, increasing). */
export interface LoggedEvent {
  id: string;
  event: TimelineEvent;
}

/**
 * The timeline shared by every process of the service: each process appends
 * the steps it takes, and the dashboard's event stream reads them, in order,
 * from any process. A Redis stream capped at about `maxLen` entries, so its
 * size is bounded whatever runs; an id older than the oldest kept entry
 * means the reader missed events (see {@link TimelineLog.after}).
 */
export interface TimelineLog {
  /** Appends an event; never throws (the loop must not stop because the dashboard's log is unreachable). */
  append(event: TimelineEvent): Promise<string | undefined>;
  /**
   * Up to `count` events after `id`, oldest first; `gap` when events after
   * `id` were already trimmed away (the reader must reload everything).
   */
  after(id: string, count?: number): Promise<{ events: LoggedEvent[]; gap: boolean }>;
  /** The id of the newest event, or `0-0` when there is none. */
  lastId(): Promise<string>;
  /**
   * Calls `onNew` whenever events arrive, from one blocking reader on a
   * connection of its own (one per process, however many pages listen).
   * Returns its stop function.
   */
  watch(onNew: () => void): () => Promise<void>;
}

export interface TimelineLogOptions {
  /** Entries kept (approximately, `MAXLEN ~`); default 10,000. */
  maxLen?: number;
  /** How long one blocking read waits before it is renewed; default 5,000 ms. */
  blockMs?: number;
  /** Told when an append fails (say, Redis unreachable); default: nothing. */
  onError?: (err: Error) => void;
}

/** The timeline in Redis, under `<prefix>:timeline`. */
// eslint-disable-next-line max-lines-per-function -- a factory: append, read and close share the log's file and its buffer
export function createTimelineLog(redis: Redis, prefix: string, options: TimelineLogOptions = {}): TimelineLog {
  const key = `${prefix}:timeline`;
  const maxLen = options.maxLen ?? 10_000;
  const blockMs = options.blockMs ?? 5_000;
  const listeners = new Set<() => void>();
  let reader: { stop: () => Promise<void> } | undefined;

  function parse(entries: [string, string[]][]): LoggedEvent[] {
    return entries.flatMap(([id, fields]) => {
      const raw = fields[fields.indexOf('event') + 1];
      const parsed = raw === undefined ? undefined : TimelineEventSchema.safeParse(JSON.parse(raw));
      return parsed?.success ? [{ id, event: parsed.data }] : [];
    });
  }

  async function lastId(): Promise<string> {
    const [newest] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
    return newest?.[0] ?? '0-0';
  }

  function startReader(): { stop: () => Promise<void> } {
    // A blocking read holds its connection: it gets one of its own.
    const conn = redis.duplicate();
    let stopped = false;
    const loop = (async () => {
      let cursor = await lastId().catch(() => '$');
      while (!stopped) {
        try {
          const res = (await conn.xread('COUNT', 100, 'BLOCK', blockMs, 'STREAMS', key, cursor)) as [string, [string, string[]][]][] | null;
          const entries = res?.[0]?.[1] ?? [];
          if (entries.length === 0) continue;
          cursor = entries[entries.length - 1]![0];
          for (const l of listeners) l();
        } catch {
          if (stopped) break;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
    return {
      async stop() {
        stopped = true;
        conn.disconnect();
        await loop;
      },
    };
  }

  return {
    async append(event) {
      try {
        const id = await redis.xadd(key, 'MAXLEN', '~', String(maxLen), '*', 'event', JSON.stringify(event));
        return id ?? undefined;
      } catch (err) {
        options.onError?.(err as Error);
        return undefined;
      }
    },
    async after(id, count = 100) {
      const entries = (await redis.xrange(key, `(${id}`, '+', 'COUNT', count)) as [string, string[]][];
      let gap = false;
      if (id !== '0-0') {
        // The entry right at `id` or before it must still be there; else what followed it may be gone.
        const [oldest] = (await redis.xrange(key, '-', '+', 'COUNT', 1)) as [string, string[]][];
        gap = oldest !== undefined && compareIds(oldest[0], id) > 0;
      }
      return { events: parse(entries), gap };
    },
    lastId,
    watch(onNew) {
      listeners.add(onNew);
      reader ??= startReader();
      return async () => {
        listeners.delete(onNew);
        if (listeners.size === 0 && reader) {
          const r = reader;
          reader = undefined;
          await r.stop();
        }
      };
    },
  };
}

/** Orders two stream ids (`<ms>-<seq>`): negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}
