import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunStore } from '../../orchestrator/records/run-store.ts';
import type { CuttableRelay } from '../../test/support/cuttable-relay.ts';

/** What a fault can reach: the processes, services and folders of the bench. */
export interface FaultWorld {
  dir: string;
  backendDir: string;
  /** The data folder, and why it is not a size-limited mount when it is not one. */
  dataDir: string;
  dataDirLimited: string | true;
  outageMs: number;
  random: () => number;
  store: RunStore;
  stackKey: string;
  relay: CuttableRelay;
  remoteDir: string;
  killWorker(): Promise<void>;
  addWorker(): Promise<void>;
  restartRedis(): Promise<void>;
}

/** A fault set up before the trial's pushes; `release` ends it and says whether a planted foreign lock survived. */
export interface PreparedFault {
  skipped?: string;
  release?: () => Promise<boolean | undefined>;
}

export type FaultKind = 'worker-kill' | 'redis-restart' | 'cloudwatch-outage' | 'git-remote-down' | 'engine-kill' | 'worker-race' | 'foreign-lock' | 'disk-full';

export interface FaultSpec {
  name: FaultKind;
  /** Before the pushes (a lock someone else holds, for example). */
  prepare?: (world: FaultWorld) => Promise<PreparedFault>;
  /** At a random moment of an apply; returns a note for the report. */
  atApply?: (world: FaultWorld) => Promise<string | undefined>;
}

/** The newest engine a worker of ours started for the stack, if it still runs on this host. */
async function liveEngine(world: FaultWorld): Promise<number | undefined> {
  const [newest] = await world.store.engines(world.stackKey);
  if (!newest) return undefined;
  try {
    process.kill(newest.pid, 0);
    return newest.pid;
  } catch {
    return undefined;
  }
}

export const FAULT_KINDS: readonly FaultSpec[] = [
  {
    name: 'worker-kill',
    atApply: async (world) => {
      await world.killWorker();
      return undefined;
    },
  },
  {
    name: 'redis-restart',
    atApply: async (world) => {
      await world.restartRedis();
      return undefined;
    },
  },
  {
    name: 'cloudwatch-outage',
    atApply: async (world) => {
      world.relay.cut();
      await sleep(world.outageMs);
      world.relay.mend();
      return undefined;
    },
  },
  {
    name: 'git-remote-down',
    atApply: async (world) => {
      // The remote disappears (as an unreachable host does) for a while, then comes back as it was.
      const away = `${world.remoteDir}.away`;
      renameSync(world.remoteDir, away);
      await sleep(15_000);
      renameSync(away, world.remoteDir);
      return undefined;
    },
  },
  {
    name: 'engine-kill',
    atApply: async (world) => {
      const pid = await liveEngine(world);
      if (pid === undefined) return 'the engine had already finished';
      process.kill(pid, 'SIGKILL');
      return undefined;
    },
  },
  {
    name: 'worker-race',
    atApply: async (world) => {
      // A second worker arrives mid-apply and races the first for the stack from now on.
      await world.addWorker();
      return undefined;
    },
  },
  {
    name: 'foreign-lock',
    prepare: async (world) => {
      // Another host's engine holds the stack, as the engine writes its lock (pkg/backend/diy/lock.go).
      const dir = join(world.backendDir, '.pulumi', 'locks', 'organization', 'homeostat-infra', 'sandbox');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `foreign-${Math.floor(world.random() * 1e9)}.json`);
      const body = JSON.stringify({ pid: 4242, username: 'alice', hostname: 'elsewhere.example', timestamp: new Date().toISOString() });
      writeFileSync(file, body);
      return {
        async release() {
          // Held for a while, during which Homeostat must wait; then its owner lets go.
          await sleep(20_000);
          const kept = existsSync(file) && readFileSync(file, 'utf8') === body;
          rmSync(file, { force: true });
          return kept;
        },
      };
    },
  },
  {
    name: 'disk-full',
    prepare: async (world) => ({ ...(world.dataDirLimited === true ? {} : { skipped: `not run: ${world.dataDirLimited}` }) }),
    atApply: async (world) => {
      if (world.dataDirLimited !== true) return undefined;
      // Fill the data folder's mount to the last byte for a while, then free it.
      const filler = join(world.dataDir, 'filler.bin');
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(1024 * 1024);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // ENOSPC: full.
      } finally {
        closeSync(fd);
      }
      const { bavail, bsize } = statfsSync(world.dataDir);
      await sleep(20_000);
      rmSync(filler, { force: true });
      return `the data folder had ${bavail * bsize} bytes free for 20 s`;
    },
  },
];

/** Mounts a size-limited tmpfs at `dir` where the machine allows it; true, or why not. */
export function limitedMount(dir: string, size: string): true | string {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `cannot mount a size-limited folder here (${stderr || (err as Error).message})`;
  }
}

/**
 * Unmounts the limited folder. The engine processes of workers just stopped
 * may still hold files in it for a moment (umount: target is busy), so it
 * tries for a while, then detaches it lazily (the kernel frees it once the
 * last file closes) rather than leave it mounted under a folder to delete.
 */
export async function unmount(dir: string): Promise<void> {
  const mounted = () => readFileSync('/proc/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === dir);
  for (let tries = 0; tries < 20 && mounted(); tries++) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      await sleep(500);
    }
  }
  if (mounted()) execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
}
