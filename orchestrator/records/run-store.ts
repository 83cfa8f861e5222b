import type { Redis } from 'ioredis';
import { EngineIdentitySchema, type EngineIdentity } from '../engine/engine-lock.ts';
import { RunRecordSchema, type RunRecord } from './run-record.ts';
import { StackStatusSchema, initialStatus, type StackStatus } from './stack-status.ts';

/**
 * Runs and stack statuses in Redis, shared by every worker and served by the
 * API. Records are validated with zod when read back, so a corrupt or
 * foreign value is reported, not trusted.
 */
export interface RunStore {
  save(run: RunRecord): Promise<void>;
  /**
   * Saves the run only while `fence` is still the newest fencing token of its
   * stack's lock; a worker that lost its lease gets false and writes nothing.
   */
  saveFenced(run: RunRecord, fence: number): Promise<boolean>;
  get(id: string): Promise<RunRecord | undefined>;
  /** Newest first; all stacks, or one. */
  list(options?: { stackKey?: string; limit?: number }): Promise<RunRecord[]>;
  /** Runs saved as running: candidates for crash recovery. */
  inFlight(): Promise<RunRecord[]>;
  /**
   * Saves a run that lost its stack's lease, but only while its record still
   * says running under its own fence: a newer holder's crash recovery wins.
   */
  saveIfStillRunning(run: RunRecord): Promise<boolean>;
  /** Remembers an engine process a run of this stack started (the last 50 are kept). */
  recordEngine(stackKey: string, engine: EngineIdentity): Promise<void>;
  /** Engines started for this stack, newest first: the locks Homeostat may prove its own. */
  engines(stackKey: string): Promise<EngineIdentity[]>;
  appendLog(id: string, lines: string[]): Promise<void>;
  log(id: string): Promise<string[]>;
  status(stackKey: string): Promise<StackStatus>;
  saveStatus(status: StackStatus): Promise<void>;
  statuses(): Promise<StackStatus[]>;
}

/** How long run records and logs are kept; default 30 days. */
const RETENTION_S = 30 * 24 * 3600;
const MAX_LOG_LINES = 5000;

const SAVE_FENCED = `
local fence = tonumber(redis.call('get', KEYS[1]) or '0')
if fence ~= tonumber(ARGV[1]) then return 0 end
redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;

const SAVE_IF_RUNNING = `
local raw = redis.call('get', KEYS[1])
if not raw then return 0 end
local run = cjson.decode(raw)
if run.status ~= 'running' or tostring(run.fence) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

const ENGINES_KEPT = 50;

/** The Redis keys of one prefix's runs and statuses. */
function runKeys(prefix: string) {
  return {
    runKey: (id: string) => `${prefix}:run:${id}`,
    logKey: (id: string) => `${prefix}:runlog:${id}`,
    allRuns: `${prefix}:runs`,
    stackRuns: (stack: string) => `${prefix}:runs:${stack}`,
    inFlightSet: `${prefix}:runs:in-flight`,
    statusKey: (stack: string) => `${prefix}:status:${stack}`,
    statusSet: `${prefix}:stacks`,
    enginesKey: (stack: string) => `${prefix}:engines:${stack}`,
  };
}

function parseRun(raw: string | null): RunRecord | undefined {
  if (raw === null) return undefined;
  const parsed = RunRecordSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`corrupt run record: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

export function createRunStore(redis: Redis, prefix = 'homeostat'): RunStore {
  const { runKey, logKey, allRuns, stackRuns, inFlightSet, statusKey, statusSet, enginesKey } = runKeys(prefix);

  async function index(run: RunRecord): Promise<void> {
    const score = Date.parse(run.timings.enqueuedAt);
    const multi = redis.multi();
    multi.zadd(allRuns, score, run.id);
    multi.zadd(stackRuns(run.stackKey), score, run.id);
    if (run.status === 'running') multi.sadd(inFlightSet, run.id);
    else multi.srem(inFlightSet, run.id);
    await multi.exec();
  }

  return {
    async save(run) {
      await redis.set(runKey(run.id), JSON.stringify(RunRecordSchema.parse(run)), 'EX', RETENTION_S);
      await index(run);
    },
    async saveFenced(run, fence) {
      const ok = await redis.eval(SAVE_FENCED, 2, `${prefix}:fence:${run.stackKey}`, runKey(run.id), String(fence), JSON.stringify(RunRecordSchema.parse(run)), String(RETENTION_S));
      if (ok !== 1) return false;
      await index(run);
      return true;
    },
    async get(id) {
      return parseRun(await redis.get(runKey(id)));
    },
    async list(options = {}) {
      const ids = await redis.zrevrange(options.stackKey ? stackRuns(options.stackKey) : allRuns, 0, (options.limit ?? 50) - 1);
      if (ids.length === 0) return [];
      const raws = await redis.mget(ids.map(runKey));
      return raws.flatMap((r) => parseRun(r) ?? []);
    },
    async inFlight() {
      const ids = await redis.smembers(inFlightSet);
      if (ids.length === 0) return [];
      const raws = await redis.mget(ids.map(runKey));
      return raws.flatMap((r) => parseRun(r) ?? []).filter((r) => r.status === 'running');
    },
    async saveIfStillRunning(run) {
      const ok = await redis.eval(SAVE_IF_RUNNING, 1, runKey(run.id), String(run.fence ?? ''), JSON.stringify(RunRecordSchema.parse(run)), String(RETENTION_S));
      if (ok !== 1) return false;
      await index(run);
      return true;
    },
    async recordEngine(stackKey, engine) {
      await redis.multi().lpush(enginesKey(stackKey), JSON.stringify(EngineIdentitySchema.parse(engine))).ltrim(enginesKey(stackKey), 0, ENGINES_KEPT - 1).exec();
    },
    async engines(stackKey) {
      const raws = await redis.lrange(enginesKey(stackKey), 0, -1);
      // A corrupt entry proves nothing: it is skipped, so its lock is treated as someone else's.
      return raws.flatMap((r) => {
        const parsed = EngineIdentitySchema.safeParse(JSON.parse(r));
        return parsed.success ? [parsed.data] : [];
      });
    },
    async appendLog(id, lines) {
      if (lines.length === 0) return;
      await redis.multi().rpush(logKey(id), ...lines).ltrim(logKey(id), -MAX_LOG_LINES, -1).expire(logKey(id), RETENTION_S).exec();
    },
    log(id) {
      return redis.lrange(logKey(id), 0, -1);
    },
    async status(stackKey) {
      const raw = await redis.get(statusKey(stackKey));
      if (raw === null) return initialStatus(stackKey, new Date().toISOString());
      return StackStatusSchema.parse(JSON.parse(raw));
    },
    async saveStatus(status) {
      await redis.multi().set(statusKey(status.stackKey), JSON.stringify(StackStatusSchema.parse(status))).sadd(statusSet, status.stackKey).exec();
    },
    async statuses() {
      const keys = (await redis.smembers(statusSet)).sort();
      if (keys.length === 0) return [];
      const raws = await redis.mget(keys.map(statusKey));
      return raws.flatMap((r) => (r === null ? [] : [StackStatusSchema.parse(JSON.parse(r))]));
    },
  };
}
