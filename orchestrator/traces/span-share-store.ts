import type { Redis } from 'ioredis';
import { encodeOrphan, encodePartial, type Orphan, type PeriodPartial } from './trace-partial.ts';

/**
 * What the receiving processes of one Redis prefix share about spans, so
 * that spans of one trace may land on different processes:
 *
 * - `<prefix>:traces:spans:<period>`: span id → its service, for the spans
 *   that started in that period: the parent look-up that attributes a
 *   child to its caller → callee edge, and the repeat check (an exporter's
 *   retry to another process is still seen once). At most `maxSpans` per
 *   period; expires `ttlMs` after its last write.
 * - `<prefix>:traces:period:<period>`: the period's merged partial, added to
 *   with HINCRBY (`n`, `x`, `b<bucket>` per entity; see trace-partial.ts),
 *   with at most `maxServices` services and `maxEdges` edges of each view;
 *   spans past a cap are counted in `!dropped`.
 * - `<prefix>:traces:orphans:<period>`: children whose parent was not known
 *   when they came (at most `maxSpans`; more are counted `!unresolved`),
 *   looked up again when the period is closed.
 * - `<prefix>:traces:periods`: the periods that have data (a sorted set);
 *   `…:traces:closing` refuses writes to periods being closed or closed;
 *   `…:traces:closed` is the next period to close.
 *
 * A watermark that is not a number (damaged by hand) counts as absent, a damaged cap counter as
 * full, and a damaged count is left as it is (the reader names it when it closes the period):
 * never a script error that would refuse every export.
 *
 * The link script is given its key names as arguments rather than as KEYS
 * (a batch's spans may fall in several periods): Homeostat's Redis is one
 * instance, not a cluster.
 */
export interface SpanShareOptions {
  prefix: string;
  periodMs: number;
  /** How long shared spans and partials live after their last write. */
  ttlMs: number;
  maxSpans: number;
  maxServices: number;
  maxEdges: number;
}

/** A span as the link script takes it: `[spanId, its period's key, the period before's key, service, parentSpanId or '']`. */
type LinkSpan = [string, string, string, string, string];

const LINK = `
local spans = cjson.decode(ARGV[3])
local cap = tonumber(ARGV[1])
local fresh = {}
local written = {}
for i, s in ipairs(spans) do
  if redis.call('HEXISTS', s[2], s[1]) == 1 then fresh[i] = 0
  elseif redis.call('HLEN', s[2]) < cap then
    redis.call('HSET', s[2], s[1], s[4])
    written[s[2]] = true
    fresh[i] = 1
  else fresh[i] = 2 end
end
for key in pairs(written) do redis.call('PEXPIRE', key, ARGV[2]) end
local parents = {}
for i, s in ipairs(spans) do
  local p = false
  if fresh[i] ~= 0 and s[5] ~= '' then
    p = redis.call('HGET', s[2], s[5])
    if not p then p = redis.call('HGET', s[3], s[5]) end
  end
  parents[i] = p or ''
end
return {fresh, parents}`;

const FOLD = `
local closing = tonumber(redis.call('GET', KEYS[3]) or '')
if closing and tonumber(ARGV[1]) < closing then return {-1, 0} end
local dropped = 0
for _, e in ipairs(cjson.decode(ARGV[6])) do
  local id = e[1]
  local known = redis.call('HEXISTS', KEYS[1], 'n ' .. id) == 1
  if not known then
    local counter = '#' .. e[2]
    local cap = tonumber(e[2] == 's' and ARGV[2] or ARGV[3])
    if (tonumber(redis.call('HGET', KEYS[1], counter) or '0') or cap) < cap then
      redis.call('HINCRBY', KEYS[1], counter, 1)
      known = true
    end
  end
  if known then
    for f, n in pairs(e[5]) do redis.pcall('HINCRBY', KEYS[1], f .. ' ' .. id, n) end
    if e[3] ~= '' then redis.call('HSET', KEYS[1], 'k ' .. id, e[3]) end
  else dropped = dropped + e[4] end
end
if dropped > 0 then redis.call('HINCRBY', KEYS[1], '!dropped', dropped) end
local unresolved = 0
local room = tonumber(ARGV[4]) - redis.call('LLEN', KEYS[2])
for i = 7, #ARGV do
  if room > 0 then
    redis.call('RPUSH', KEYS[2], ARGV[i])
    room = room - 1
  else unresolved = unresolved + 1 end
end
if unresolved > 0 then redis.call('HINCRBY', KEYS[1], '!unresolved', unresolved) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if #ARGV >= 7 then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
redis.call('ZADD', KEYS[4], ARGV[1], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[5])
return {dropped, unresolved}`;

/** Moves a watermark forward only (several readers in a hand-over never move it back). */
const RAISE = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '')
if cur and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

/** Records a period closed unless a reader already recorded it (or a later one): exactly one reader records each. */
const COMMIT = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '')
if cur and cur > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[1])
return 1`;

/** What a batch's link did: per span, whether it is new (not a repeat) and its parent's service when known. */
export interface Linked {
  readonly fresh: boolean[];
  readonly parents: (string | undefined)[];
  /** New spans not remembered for look-ups (their period's cap was reached): a child of one is left unresolved. */
  readonly unremembered: number;
}

export function createSpanShareStore(redis: Redis, o: SpanShareOptions) {
  const k = (what: string) => `${o.prefix}:traces:${what}`;
  const spansKey = (period: number) => k(`spans:${period}`);
  const periodOf = (ms: number) => Math.floor(ms / o.periodMs) * o.periodMs;

  return {
    /** Remembers a batch's spans and looks up their parents (in the child's period and the one before), atomically. */
    async link(spans: readonly { spanId: string; parentSpanId?: string; service: string; startMs: number }[]): Promise<Linked> {
      if (spans.length === 0) return { fresh: [], parents: [], unremembered: 0 };
      const arg: LinkSpan[] = spans.map((s) => {
        const p = periodOf(s.startMs);
        return [s.spanId, spansKey(p), spansKey(p - o.periodMs), s.service, s.parentSpanId ?? ''];
      });
      const [fresh, parents] = (await redis.eval(LINK, 0, String(o.maxSpans), String(o.ttlMs), JSON.stringify(arg))) as [number[], string[]];
      return { fresh: fresh.map((f) => f !== 0), parents: parents.map((p) => p || undefined), unremembered: fresh.filter((f) => f === 2).length };
    },

    /** Adds one period's partial and orphans; `late` when the period is already being closed (nothing was added). */
    async fold(partial: PeriodPartial, orphans: readonly Orphan[]): Promise<{ late: boolean; dropped: number; unresolved: number }> {
      const p = partial.period;
      const keys = [k(`period:${p}`), k(`orphans:${p}`), k('closing'), k('periods')];
      const args = [String(p), String(o.maxServices), String(o.maxEdges), String(o.maxSpans), String(o.ttlMs), JSON.stringify(encodePartial(partial)), ...orphans.map(encodeOrphan)];
      const [dropped, unresolved] = (await redis.eval(FOLD, keys.length, ...keys, ...args)) as [number, number];
      return dropped < 0 ? { late: true, dropped: 0, unresolved: 0 } : { late: false, dropped, unresolved };
    },

    /** The next period to close: the recorded one, else the first with data, else undefined. */
    async nextToClose(): Promise<number | undefined> {
      const closed = await redis.get(k('closed'));
      if (closed !== null && /^\d+$/.test(closed)) return Number(closed);
      const [first] = await redis.zrange(k('periods'), '0', '0');
      return first !== undefined && /^\d+$/.test(first) ? Number(first) : undefined;
    },

    /** Refuses further writes to periods before `upTo` (spans that late are counted by their receiver). */
    async beginClose(upTo: number): Promise<void> {
      await redis.eval(RAISE, 1, k('closing'), String(upTo));
    },

    /** A period's partial hash and orphans, as stored. */
    async read(period: number): Promise<{ hash: Record<string, string>; orphans: string[] }> {
      const [hash, orphans] = await Promise.all([redis.hgetall(k(`period:${period}`)), redis.lrange(k(`orphans:${period}`), 0, o.maxSpans - 1)]);
      return { hash, orphans };
    },

    /**
     * The services of parents by span id, looked up in `period`, the one before and the one after (a
     * parent on a host whose clock runs behind the child's can seem to start after it).
     */
    async parentsOf(period: number, ids: readonly string[]): Promise<(string | undefined)[]> {
      if (ids.length === 0) return [];
      const found = await Promise.all([period, period - o.periodMs, period + o.periodMs].map((p) => redis.hmget(spansKey(p), ...ids)));
      return ids.map((_, i) => found[0]![i] ?? found[1]![i] ?? found[2]![i] ?? undefined);
    },

    /** Records `period` closed; false when another reader recorded it (or a later one) first. */
    async commitClose(period: number): Promise<boolean> {
      const keys = [k('closed'), k(`period:${period}`), k(`orphans:${period}`), k('periods')];
      return (await redis.eval(COMMIT, keys.length, ...keys, String(period), String(period + o.periodMs))) === 1;
    },
  };
}

export type SpanShareStore = ReturnType<typeof createSpanShareStore>;
