import type { Redis } from 'ioredis';
import { entryHash, verifyChain, type VerifyResult } from './audit-chain.ts';
import {
  AuditEntryInputSchema,
  AuditEntrySchema,
  GENESIS_HASH,
  describeIssues,
  issueFields,
  type AuditEntry,
  type AuditEntryInput,
  type AuditType,
  type UnhashedAuditEntry,
} from './audit-entry.ts';
import { AuditAppendConflictError, AuditLogCorruptError, InvalidAuditEntryError } from './audit-errors.ts';
import { redactSecrets } from './redact.ts';

/** Which entries `list` returns; all filters combine. */
export interface AuditListOptions {
  /** Most entries returned; default 100, at most 1000. */
  limit?: number;
  /** Only entries older than this seq (for paging: pass the last seq of the previous page). */
  beforeSeq?: number;
  incidentId?: string;
  stackKey?: string;
  type?: AuditType;
}

/**
 * The tamper-evident audit log: one entry per step of a decision, each
 * holding the hash of the one before, so changing, removing or reordering
 * entries breaks the chain and `verify` names where. Append-only: there is
 * no update or delete.
 */
export interface AuditLog {
  /**
   * Validates, redacts secrets, and appends atomically even with other
   * processes appending to the same Redis. Returns the stored entry.
   * Throws `InvalidAuditEntryError` (nothing appended) for bad input,
   * `AuditLogCorruptError` if the stored chain is already truncated, and
   * `AuditAppendConflictError` if it lost the race too many times.
   */
  append(input: AuditEntryInput): Promise<AuditEntry>;
  /**
   * Newest first. Filters are applied while scanning back from the end, and
   * the scan stops after `limit` matches or 10,000 entries, so a rare filter
   * on a long log returns what it found in that window.
   */
  list(options?: AuditListOptions): Promise<AuditEntry[]>;
  get(seq: number): Promise<AuditEntry | undefined>;
  count(): Promise<number>;
  /** Checks the whole chain, and that the head key agrees with it, reading 1000 entries at a time. */
  verify(): Promise<VerifyResult>;
  /** Stops further appends; the Redis connection belongs to the caller and stays open. */
  close(): Promise<void>;
}

/** Options of `createAuditLog`. */
export interface AuditLogOptions {
  /** The secret values in use (passphrases, tokens), asked on every append so rotated ones are covered; default none. */
  secrets?: () => readonly string[];
  /** Clock for `at`; default the system clock. */
  now?: () => Date;
  /** Attempts at winning the head of the chain before giving up; default 50. */
  maxAttempts?: number;
}

const PAGE = 1000;
const MAX_LIMIT = 1000;
const MAX_SCAN = 10_000;

/**
 * Compare-and-append. Redis Lua has no sha256, so the hash is computed in
 * Node and the script only checks that the head is still the one the hash
 * was built on (optimistic concurrency). Being a script, the check and the
 * two writes are atomic, on any shared connection, without the dedicated
 * connection WATCH would need. It also refuses to append when the list
 * length disagrees with the head: a truncated chain must not be extended.
 * KEYS: head, entries. ARGV: expected head ('' for none), expected length,
 * new head, entry JSON. Returns {1} appended, {0, head} lost the race,
 * {-1, head, length} inconsistent.
 */
const APPEND = `
local head = redis.call('get', KEYS[1]) or ''
if head ~= ARGV[1] then return {0, head} end
local len = redis.call('llen', KEYS[2])
if len ~= tonumber(ARGV[2]) then return {-1, head, len} end
redis.call('rpush', KEYS[2], ARGV[4])
redis.call('set', KEYS[1], ARGV[3])
return {1}`;

/** The head key holds `<seq>:<hash>`: one string, so the script compares it in one step. */
function parseHead(raw: string | null | undefined): { seq: number; hash: string } {
  if (!raw) return { seq: 0, hash: GENESIS_HASH };
  const [seq, hash] = raw.split(':');
  return { seq: Number(seq), hash: hash ?? '' };
}

/** An entry read back from Redis, or why it is not one. */
function parseStored(raw: string, seq: number): { entry: AuditEntry } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: `entry ${seq} is not JSON` };
  }
  const parsed = AuditEntrySchema.safeParse(json);
  return parsed.success ? { entry: parsed.data } : { problem: `entry ${seq} is not a valid audit entry: ${describeIssues(parsed.error)}` };
}

/** Where one audit log lives. */
interface AuditKeys {
  redis: Redis;
  headKey: string;
  entriesKey: string;
}

/** A stored entry, or {@link AuditLogCorruptError} naming what is wrong with it. */
function readEntry(raw: string, seq: number): AuditEntry {
  const r = parseStored(raw, seq);
  if ('problem' in r) throw new AuditLogCorruptError(`${r.problem} (run \`homeostat audit verify\`)`);
  return r.entry;
}

/** Newest first, filtered, scanning at most MAX_SCAN entries back. */
async function listEntries({ redis, entriesKey }: AuditKeys, opts: AuditListOptions = {}): Promise<AuditEntry[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 100, MAX_LIMIT));
  const total = await redis.llen(entriesKey);
  // `end` is an exclusive list index: entries with seq < beforeSeq sit below beforeSeq - 1.
  let end = opts.beforeSeq === undefined ? total : Math.min(total, Math.max(0, opts.beforeSeq - 1));
  const stopAt = Math.max(0, end - MAX_SCAN);
  const filtered = opts.incidentId !== undefined || opts.stackKey !== undefined || opts.type !== undefined;
  const out: AuditEntry[] = [];
  while (end > stopAt && out.length < limit) {
    // Unfiltered, a page of exactly what is left to return; filtered, larger pages.
    const start = Math.max(stopAt, end - (filtered ? PAGE : limit - out.length));
    const raws = await redis.lrange(entriesKey, start, end - 1);
    for (let i = raws.length - 1; i >= 0 && out.length < limit; i--) {
      const e = readEntry(raws[i]!, start + i + 1);
      if (opts.incidentId !== undefined && e.incidentId !== opts.incidentId) continue;
      if (opts.stackKey !== undefined && e.stackKey !== opts.stackKey) continue;
      if (opts.type !== undefined && e.type !== opts.type) continue;
      out.push(e);
    }
    end = start;
  }
  return out;
}

/** Checks the whole stored chain against its head. */
async function verifyStored({ redis, headKey, entriesKey }: AuditKeys): Promise<VerifyResult> {
  // The head is read first: entries appended while we read are checked too,
  // and the entry the head names must be in the list with that hash, which
  // catches entries removed from the end.
  const head = parseHead(await redis.get(headKey));
  let prev = GENESIS_HASH;
  let count = 0;
  let hashAtHead = head.seq === 0 ? GENESIS_HASH : undefined;
  for (;;) {
    const raws = await redis.lrange(entriesKey, count, count + PAGE - 1);
    if (raws.length === 0) break;
    const entries: AuditEntry[] = [];
    for (const [i, raw] of raws.entries()) {
      const r = parseStored(raw, count + i + 1);
      if ('problem' in r) return { ok: false, seq: count + i + 1, problem: r.problem };
      entries.push(r.entry);
    }
    const page = verifyChain(entries, { expectedFirstPrev: prev, expectedFirstSeq: count + 1 });
    if (!page.ok) return page;
    const atHead = entries[head.seq - count - 1];
    if (atHead) hashAtHead = atHead.hash;
    prev = page.head;
    count += page.count;
  }
  if (count < head.seq) {
    return { ok: false, seq: count + 1, problem: `the head says the log has ${head.seq} entries but only ${count} are stored: entries removed from the end` };
  }
  if (hashAtHead !== head.hash) {
    return { ok: false, seq: head.seq, problem: `the head records hash ${head.hash.slice(0, 12)} for entry ${head.seq}, the entry has ${hashAtHead?.slice(0, 12)}` };
  }
  return { ok: true, count, head: prev };
}

/**
 * The audit log in Redis: entries in the list `<prefix>:audit:entries`
 * (entry `seq` at index `seq - 1`) and the chain head in
 * `<prefix>:audit:head`. `redis` may be shared with other code.
 */
export function createAuditLog(redis: Redis, prefix = 'homeostat', options: AuditLogOptions = {}): AuditLog {
  const headKey = `${prefix}:audit:head`;
  const entriesKey = `${prefix}:audit:entries`;
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.maxAttempts ?? 50;
  let closed = false;

  async function append(input: AuditEntryInput): Promise<AuditEntry> {
    if (closed) throw new Error('audit log is closed');
    // Validate, then redact, then validate again: redaction turns the
    // evidence into plain JSON (what is stored is exactly what is hashed)
    // and could in principle touch a field, so the stored shape is re-checked.
    const first = AuditEntryInputSchema.safeParse(input);
    if (!first.success) {
      throw new InvalidAuditEntryError(`invalid audit entry: ${describeIssues(first.error)}`, issueFields(first.error));
    }
    const { type, ...rest } = first.data;
    const body = AuditEntryInputSchema.parse({ type, ...(redactSecrets(rest, options.secrets?.() ?? []) as object) });

    let head = await redis.get(headKey);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const prev = parseHead(head);
      const unhashed: UnhashedAuditEntry = { seq: prev.seq + 1, at: now().toISOString(), prevHash: prev.hash, ...body };
      const entry: AuditEntry = { ...unhashed, hash: entryHash(unhashed) };
      const reply = (await redis.eval(APPEND, 2, headKey, entriesKey, head ?? '', String(prev.seq), `${entry.seq}:${entry.hash}`, JSON.stringify(entry))) as [number, string?, number?];
      if (reply[0] === 1) return entry;
      if (reply[0] === -1) {
        throw new AuditLogCorruptError(`audit head says ${parseHead(reply[1]).seq} entries but the list holds ${reply[2]}: refusing to extend a broken chain (run \`homeostat audit verify\`)`);
      }
      // Lost the race: the script handed back the new head, so retry on it
      // straight away, with a short random pause once contention persists.
      head = reply[1] || null;
      if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 50)));
    }
    throw new AuditAppendConflictError(`audit append lost the race for the chain head ${maxAttempts} times`);
  }

  const keys: AuditKeys = { redis, headKey, entriesKey };
  return {
    append,
    list: (opts) => listEntries(keys, opts),
    async get(seq) {
      if (!Number.isInteger(seq) || seq < 1) return undefined;
      const raw = await redis.lindex(entriesKey, seq - 1);
      return raw === null ? undefined : readEntry(raw, seq);
    },
    count: () => redis.llen(entriesKey),
    verify: () => verifyStored(keys),
    async close() {
      closed = true;
    },
  };
}
