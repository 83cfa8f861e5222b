import { z } from 'zod';

/**
 * Who holds a stack's engine lock, and whether Homeostat may clear it.
 *
 * A self-managed backend (file, S3, GCS, Azure) keeps one lock file per
 * engine process that is updating a stack, holding the process's user, host,
 * pid and start time; `pulumi cancel` deletes every one of them, whoever
 * wrote it. So Homeostat clears a lock only when it can prove it is its own
 * and its holder gone: the holder is an engine that a worker of ours started
 * (recorded with host, pid, start time and worker), and that engine is dead
 * (on this host: its pid is gone) or its worker is (on another host: the
 * worker's heartbeat has expired; a worker's engines die with it, and a
 * worker cut off from Redis stops its engine before its heartbeat runs out).
 * A lock of anyone else (a person's `pulumi up`, another installation) is
 * waited for and shown, never cleared.
 *
 * Pure: the caller says which host it is on and which pids are alive there.
 */

/** An engine process, as a run record keeps it: enough to recognise its lock. */
export const EngineIdentitySchema = z.object({
  host: z.string(),
  pid: z.number().int().positive(),
  /** When the process was started (ISO); a lock taken long before is someone else's. */
  startedAt: z.string(),
  /** The worker that started it: its heartbeat says whether the engine can still be running elsewhere. */
  worker: z.string().optional(),
});
export type EngineIdentity = z.infer<typeof EngineIdentitySchema>;

/** One lock on a stack, as the engine reports it. */
export interface EngineLockHolder {
  user: string;
  host: string;
  pid: number;
  /** When the lock was taken (ISO). */
  since: string;
  /** Where the lock file is (a file path or a bucket URL). */
  where: string;
}

/**
 * Reads the holders out of the engine's "stack is currently locked" error;
 * every self-managed backend words them the same way:
 * `  <url>: created by <user>@<host> (pid <pid>) at <RFC 3339 time>`.
 */
export function parseLockHolders(errorText: string): EngineLockHolder[] {
  const holders: EngineLockHolder[] = [];
  // The user part is greedy: a user name may hold an @, a host name may not.
  const line = /^\s*(\S+): created by (.*)@([^@\s]+) \(pid (\d+)\) at (\S+)\s*$/gm;
  for (const m of errorText.matchAll(line)) {
    holders.push({ where: m[1]!, user: m[2]!, host: m[3]!, pid: Number(m[4]), since: m[5]! });
  }
  return holders;
}

/** Describes the holders for a person: `root@build-7 (pid 4242) since 2026-11-30T10:00:00Z`. */
export function describeHolders(holders: readonly EngineLockHolder[]): string {
  return holders.map((h) => `${h.user}@${h.host} (pid ${h.pid}) since ${h.since}`).join(', ');
}

export type LockVerdict =
  /** Every lock is an engine of ours that is gone: clear exactly these. */
  | { kind: 'ours-stale'; holders: EngineLockHolder[] }
  /** An engine of ours still runs (or may, on a host whose worker is alive): wait for it. */
  | { kind: 'ours-running'; holder: EngineLockHolder }
  /** Someone else holds the stack: wait, show who, never clear. */
  | { kind: 'foreign'; holders: EngineLockHolder[] }
  /** The error named no holder (an unknown backend's wording): nothing is proven, so nothing is cleared. */
  | { kind: 'unknown' };

/** How far the engine's clock and ours may differ when a lock's time is compared with a run's. */
const CLOCK_SKEW_MS = 60_000;

/** Whether `holder` is the lock that the engine `engine` took. */
export function isLockOf(holder: EngineLockHolder, engine: EngineIdentity): boolean {
  if (holder.host !== engine.host || holder.pid !== engine.pid) return false;
  // Pids are reused: a lock taken before our engine started belongs to an earlier process.
  const since = Date.parse(holder.since);
  const started = Date.parse(engine.startedAt);
  return Number.isFinite(since) && Number.isFinite(started) && since >= started - CLOCK_SKEW_MS;
}

/** What the judge needs to know about the world, asked of the caller. */
export interface LockSurroundings {
  /** This host's name. */
  host: string;
  /** Whether a pid is alive on this host. */
  alive(pid: number): boolean;
  /** Whether a worker's heartbeat is fresh. */
  workerAlive(worker: string): boolean;
}

/**
 * Judges the locks on a stack.
 *
 * @param ours engines that workers of ours started for this stack.
 */
export function judgeLocks(holders: readonly EngineLockHolder[], ours: readonly EngineIdentity[], here: LockSurroundings): LockVerdict {
  if (holders.length === 0) return { kind: 'unknown' };
  const engines = holders.map((h) => ({ holder: h, engine: ours.find((e) => isLockOf(h, e)) }));
  if (engines.some((x) => !x.engine)) return { kind: 'foreign', holders: [...holders] };
  for (const { holder, engine } of engines) {
    const running = holder.host === here.host ? here.alive(holder.pid) : !engine!.worker || here.workerAlive(engine!.worker);
    if (running) return { kind: 'ours-running', holder };
  }
  return { kind: 'ours-stale', holders: [...holders] };
}
