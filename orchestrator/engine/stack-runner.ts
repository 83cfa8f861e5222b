import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open as openFile, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join, resolve as resolvePath, sep } from 'node:path';
import {
  LocalWorkspace,
  PulumiCommand,
  StackNotFoundError,
  type EngineEvent,
  type Stack,
} from '@pulumi/pulumi/automation/index.js';
import { engineEnvironment, engineHome, type EngineEnvSettings } from './engine-env.ts';
import { sealEnvironment } from './sealed-command.ts';
import { describeHolders, judgeLocks, parseLockHolders, type EngineIdentity, type EngineLockHolder } from './engine-lock.ts';
import { appliedCommitOf, type HistoryEntry } from './applied-commit.ts';
import { classifyEngineError } from './engine-errors.ts';
import { summarizeEvents, type RunSummary } from './run-summary.ts';

/**
 * The engine stage's adapter: runs preview, up, refresh and destroy of one
 * stack of a checked-out project through the Pulumi Automation API and the
 * real engine, always with the project's policy packs, and returns a
 * structured summary. It never installs anything (no
 * `PulumiCommand.install()`) and never reaches Pulumi Cloud.
 */

/** How to reach the engine and its state; built once per service. */
export interface EngineSettings extends EngineEnvSettings {
  /** Folder holding `pulumi` and `pulumi-language-nodejs`; it must be named `bin`. */
  pulumiDir: string;
  /** Policy pack folders passed to every preview and update, besides each run's own. */
  policyPacks: string[];
}

/** One stack of one checked-out project. */
export interface StackRef {
  /** Folder holding the project's `Pulumi.yaml`. */
  workDir: string;
  stack: string;
  /**
   * Names of the service's environment variables this stack's engine gets
   * besides the allow-listed ones (the repository's `engineEnv`, for example
   * cloud credentials); default none.
   */
  passEnv?: readonly string[];
}

/**
 * `apply` is what `pulumi up` does without `--skip-preview`: one engine
 * process previews with the policy packs and updates only when the preview
 * passed. `up` is the Automation API's update, which skips that preview.
 */
export type RunKind = 'preview' | 'apply' | 'up' | 'refresh' | 'destroy';

export interface RunOptions {
  /** Policy pack folders of this run (for example the checked-out commit's), added to the settings' ones. */
  policyPacks?: string[];
  /** Policy pack config, by policy name (`{"max-capacity-step": {"baselines": {...}}}`). */
  policyConfig?: Record<string, Record<string, unknown>>;
  /** Every engine event, as it happens (for a live run log). */
  onEvent?: (event: EngineEvent) => void;
  /** Update message recorded in the stack's history. */
  message?: string;
  /** Refresh only: compute what refresh would change without writing it (drift detection). */
  previewOnly?: boolean;
  /** Preview and up: refresh first, so the diff is against the cloud as it is (drift reconcile). */
  refresh?: boolean;
  signal?: AbortSignal;
  /** After `signal` aborts, how long the engine has to stop on SIGINT before it is killed; default 10 000 ms. */
  interruptGraceMs?: number;
  /**
   * Called as soon as an engine process that may take the stack's lock has
   * started, so that the run can record it: later, only a lock that matches
   * a recorded engine of ours may be cleared.
   */
  onEngineStarted?: (engine: EngineIdentity) => void;
}

/** What {@link StackRunner.recover} may clear, and who to tell about its own engine. */
export interface RecoverOptions {
  /** Engines that workers of ours started for this stack. */
  ours: EngineIdentity[];
  /** Whether a worker's heartbeat is fresh (its engines may still run on its host). */
  workerAlive(worker: string): boolean;
  onEngineStarted?: (engine: EngineIdentity) => void;
}

export interface RunResult {
  kind: RunKind;
  stack: string;
  /** Whether the engine finished the operation without error. */
  ok: boolean;
  summary: RunSummary;
  /** The engine's error text when `ok` is false. */
  error?: string;
  durationMs: number;
}

export interface StackRunner {
  run(kind: RunKind, ref: StackRef, options?: RunOptions): Promise<RunResult>;
  /** The stack's outputs as last applied. */
  outputs(ref: StackRef): Promise<Record<string, unknown>>;
  /** The commit Homeostat last applied to the stack, read from the backend's update history; undefined if none. */
  appliedCommit(ref: StackRef): Promise<string | undefined>;
  /** The stack's update history, newest first (at most `pageSize` entries); empty when the stack does not exist. */
  history(ref: StackRef, pageSize?: number): Promise<HistoryEntry[]>;
  /**
   * After a crash or a lost lease: clears pending creates with a refresh
   * (which also reads back what the cloud really has) and, when the stack is
   * locked, the locks that are provably ours and stale (see
   * `engine-lock.ts`). Throws {@link StackBusyError} while an engine of ours
   * on this host still holds the lock, and {@link ForeignLockError} when
   * anyone else does: those are waited for, never cleared.
   */
  recover(ref: StackRef, options: RecoverOptions): Promise<void>;
  /**
   * The engine locks on the stack, where the backend lets us list them (a
   * file backend); undefined elsewhere.
   */
  locks(ref: StackRef): Promise<EngineLockHolder[] | undefined>;
  /** `pulumi cancel`: removes every engine lock of the stack, whoever holds it. Only a person asks for this. */
  forceUnlock(ref: StackRef): Promise<void>;
}

/** The stack's engine lock belongs to an engine of ours that is still running. */
export class StackBusyError extends Error {
  override readonly name = 'StackBusyError';
  readonly reason = 'StackLocked';
  readonly kind = 'waiting';
}

/** Someone else holds the stack's engine lock: Homeostat waits, shows who, and never clears it. */
export class ForeignLockError extends Error {
  override readonly name = 'ForeignLockError';
  readonly reason = 'StackLocked';
  readonly kind = 'waiting';
  constructor(readonly holders: EngineLockHolder[]) {
    super(holders.length > 0 ? `Locked by ${describeHolders(holders)}` : 'Locked by an engine the backend does not name');
  }
}

const DEFAULT_INTERRUPT_GRACE_MS = 10_000;

/** `setpriv` (util-linux), where the platform has it: it ties an engine's life to its worker's. */
const SETPRIV = process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;

/** This host's engine process `pid`, started now. */
function engineIdentity(pid: number): EngineIdentity {
  return { host: hostname(), pid, startedAt: new Date().toISOString() };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates a stack runner; verifies the engine's version once. */
export async function createStackRunner(settings: EngineSettings): Promise<StackRunner> {
  if (basename(settings.pulumiDir) !== 'bin') {
    throw new Error(`the Pulumi engine folder must be named bin (got ${settings.pulumiDir})`);
  }
  const pulumiCommand = sealEnvironment(await PulumiCommand.get({ root: dirname(settings.pulumiDir) }));
  const pulumiHome = engineHome(settings);
  if (pulumiHome) await mkdir(pulumiHome, { recursive: true });
  /**
   * The engine's whole environment for one stack, read afresh each time: an
   * allow-list, never the service's `process.env` (the program and policy
   * packs of a commit see all of it). The Automation API's commands are
   * sealed to it as well (`sealed-command.ts`).
   */
  const envVars = (ref: StackRef) => engineEnvironment(settings, process.env, ref.passEnv);

  /**
   * Starts an engine process that may take the stack's lock. On Linux it is
   * started through `setpriv --pdeathsig KILL`, so that it dies with this
   * process: a worker that crashes leaves no engine behind, and the lock it
   * leaves is provably stale once the worker's heartbeat is gone.
   */
  function spawnEngine(ref: StackRef, args: string[], extraEnv: Record<string, string> = {}) {
    const env = { ...envVars(ref), ...extraEnv };
    const options = { cwd: ref.workDir, env, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
    // setpriv execs the engine: the pid is the engine's own, the one its lock records.
    return SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', pulumiCommand.command, ...args], options) : spawn(pulumiCommand.command, args, options);
  }

  /** Runs one engine command to its end, for recovery; output kept for the error. */
  async function engineCommand(ref: StackRef, args: string[], onStarted?: (engine: EngineIdentity) => void): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = spawnEngine(ref, args);
    if (child.pid !== undefined) onStarted?.(engineIdentity(child.pid));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    });
    return { code, stdout, stderr };
  }

  /**
   * Removes exactly the lock files judged stale. On a file backend that is
   * each named file (and only inside the backend's lock folder); other
   * backends offer only `pulumi cancel`, which removes every lock of the
   * stack — safe here because every lock was just judged ours and stale.
   */
  async function clearLocks(ref: StackRef, holders: EngineLockHolder[]): Promise<void> {
    if (!settings.backendUrl.startsWith('file://')) {
      await (await open(ref)).cancel();
      return;
    }
    const locksDir = join(fileURLToPath(settings.backendUrl), '.pulumi', 'locks') + sep;
    for (const h of holders) {
      const file = h.where.startsWith('file://') ? fileURLToPath(h.where) : h.where;
      if (!resolvePath(file).startsWith(locksDir)) throw new Error(`refusing to remove ${file}: not a lock file of backend ${settings.backendUrl}`);
      await rm(file, { force: true });
    }
  }

  async function open(ref: StackRef): Promise<Stack> {
    return LocalWorkspace.createOrSelectStack(
      { workDir: ref.workDir, stackName: ref.stack },
      { pulumiCommand, envVars: envVars(ref), secretsProvider: 'passphrase' },
    );
  }

  async function history(ref: StackRef, pageSize = 50): Promise<HistoryEntry[]> {
    let stack: Stack;
    try {
      // Selected, never created: looking must not leave an empty stack in the backend.
      stack = await LocalWorkspace.selectStack({ workDir: ref.workDir, stackName: ref.stack }, { pulumiCommand, envVars: envVars(ref), secretsProvider: 'passphrase' });
    } catch (err) {
      if (err instanceof StackNotFoundError) return [];
      throw err;
    }
    return (await stack.history(pageSize)).map((u) => ({ kind: u.kind, result: u.result, message: u.message ?? '' }));
  }

  async function withPolicyConfig<T>(
    packs: string[],
    config: RunOptions['policyConfig'],
    fn: (files: string[]) => Promise<T>,
  ): Promise<T> {
    if (!config || Object.keys(config).length === 0 || packs.length === 0) return fn([]);
    const dir = await mkdtemp(join(tmpdir(), 'homeostat-policy-'));
    try {
      const file = join(dir, 'policy-config.json');
      await writeFile(file, JSON.stringify(config));
      // One config file per pack: each pack reads the entries of its own policies.
      return await fn(packs.map(() => file));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function run(kind: RunKind, ref: StackRef, options: RunOptions = {}): Promise<RunResult> {
    const started = Date.now();
    const events: EngineEvent[] = [];
    const onEvent = (e: EngineEvent) => {
      events.push(e);
      options.onEvent?.(e);
    };
    const finish = (ok: boolean, error?: string): RunResult => {
      const result: RunResult = { kind, stack: ref.stack, ok, summary: summarizeEvents(events), durationMs: Date.now() - started };
      if (error !== undefined) result.error = error;
      return result;
    };
    try {
      const stack = await open(ref);
      const policyPacks = [...settings.policyPacks, ...(options.policyPacks ?? [])];
      await withPolicyConfig(policyPacks, options.policyConfig, async (policyPackConfigs) => {
        const policy = { policyPacks, policyPackConfigs };
        const common = { onEvent, signal: options.signal, ...(options.message ? { message: options.message } : {}) };
        switch (kind) {
          case 'preview':
            await stack.preview({ ...common, ...policy, diff: true, refresh: options.refresh ?? false });
            break;
          case 'up':
            await stack.up({ ...common, ...policy, diff: true, refresh: options.refresh ?? false });
            break;
          case 'apply':
            await previewThenUpdate(ref, options, onEvent, policy);
            break;
          case 'refresh':
            if (options.previewOnly) await stack.previewRefresh({ ...common });
            else await stack.refresh({ ...common });
            break;
          case 'destroy':
            await stack.destroy({ ...common });
            break;
        }
      });
      return finish(true);
    } catch (err) {
      return finish(false, engineErrorText(err));
    }
  }

  /**
   * `pulumi up --yes` in one engine process: the engine previews (policy
   * packs included) and updates only if the preview passed, like a person's
   * `pulumi up`. The Automation API always skips that preview, so the CLI is
   * run here directly, with its event log (a file, tailed live) in place of
   * the Automation API's event stream.
   */
  async function previewThenUpdate(
    ref: StackRef,
    options: RunOptions,
    onEvent: (e: EngineEvent) => void,
    policy: { policyPacks: string[]; policyPackConfigs: string[] },
  ): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'homeostat-events-'));
    const eventLog = join(dir, 'events.jsonl');
    const args = ['up', '--yes', '--diff', '--non-interactive', '--stack', ref.stack, '--event-log', eventLog];
    for (const p of policy.policyPacks) args.push('--policy-pack', p);
    for (const c of policy.policyPackConfigs) args.push('--policy-pack-config', c);
    if (options.refresh) args.push('--refresh');
    if (options.message) args.push('--message', options.message);
    const child = spawnEngine(ref, args, { PULUMI_DEBUG_COMMANDS: 'true', PULUMI_AUTOMATION_API: 'true' });
    if (child.pid !== undefined) options.onEngineStarted?.(engineIdentity(child.pid));
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    // Interrupted first, so that the engine can write its checkpoint and release its lock; killed if it does not stop.
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const exited = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
    });
    // Tail the event log while the engine runs, and once more after it exits.
    let offset = 0;
    let partial = Buffer.alloc(0);
    const seen = new Set<number>();
    const drain = async () => {
      const handle = await openFile(eventLog, 'r').catch(() => undefined);
      if (!handle) return;
      try {
        // A log that shrank was started again by the engine: read it from the top (events
        // already seen are recognised by their sequence number).
        if ((await handle.stat()).size < offset) {
          offset = 0;
          partial = Buffer.alloc(0);
        }
        for (;;) {
          const buf = Buffer.alloc(64 * 1024);
          const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          // Split on bytes, not characters: a chunk may end inside a multi-byte character.
          partial = Buffer.concat([partial, buf.subarray(0, bytesRead)]);
          let nl: number;
          while ((nl = partial.indexOf(0x0a)) >= 0) {
            const line = partial.subarray(0, nl).toString('utf8');
            partial = partial.subarray(nl + 1);
            if (!line.trim()) continue;
            let event: EngineEvent;
            try {
              event = JSON.parse(line) as EngineEvent;
            } catch {
              // Half a line from a log that was started again; its whole copy follows.
              continue;
            }
            if (typeof event.sequence === 'number') {
              if (seen.has(event.sequence)) continue;
              seen.add(event.sequence);
            }
            onEvent(event);
          }
        }
      } finally {
        await handle.close();
      }
    };
    let done = false;
    let tailError: unknown;
    // Never an unhandled rejection: a failure of the tail is reported when the engine has exited.
    const tail = (async () => {
      while (!done) {
        await drain();
        await sleep(50);
      }
    })().catch((err: unknown) => {
      tailError = err;
    });
    try {
      const code = await exited;
      done = true;
      await tail;
      if (tailError) throw tailError;
      await drain();
      if (code !== 0) {
        const err = new Error(`pulumi up exited with code ${code}`) as Error & { commandResult: { stderr: string; stdout: string } };
        err.commandResult = { stderr: stderr || stdout, stdout };
        throw err;
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    run,
    async outputs(ref) {
      const stack = await open(ref);
      const outs = await stack.outputs();
      return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.secret ? '[secret]' : v.value]));
    },
    async appliedCommit(ref) {
      // A page of recent updates is enough: refreshes and failed attempts since the last apply are few.
      return appliedCommitOf(await history(ref, 50));
    },
    history,
    async locks(ref) {
      if (!settings.backendUrl.startsWith('file://')) return undefined;
      const project = (await (await open(ref)).workspace.projectSettings()).name;
      const dir = join(fileURLToPath(settings.backendUrl), '.pulumi', 'locks', 'organization', project, ref.stack);
      const holders: EngineLockHolder[] = [];
      for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort()) {
        const where = join(dir, file);
        const raw = JSON.parse(await readFile(where, 'utf8').catch(() => '{}')) as { pid?: unknown; username?: unknown; hostname?: unknown; timestamp?: unknown };
        holders.push({ where, user: String(raw.username ?? '?'), host: String(raw.hostname ?? '?'), pid: Number(raw.pid ?? 0), since: String(raw.timestamp ?? '?') });
      }
      return holders;
    },
    async forceUnlock(ref) {
      await (await open(ref)).cancel();
    },
    async recover(ref, options) {
      // Each pass clears what it proved stale; a lock of ours taken again in between is judged afresh.
      for (let pass = 0; pass < 3; pass++) {
        const result = await engineCommand(ref, ['refresh', '--yes', '--skip-preview', '--non-interactive', '--clear-pending-creates', '--stack', ref.stack], options.onEngineStarted);
        if (result.code === 0) return;
        const text = result.stderr || result.stdout;
        if (classifyEngineError(text).reason !== 'StackLocked') throw Object.assign(new Error(`recovery refresh failed: ${text.trim()}`), { commandResult: result });
        const verdict = judgeLocks(parseLockHolders(text), options.ours, { host: hostname(), alive: processAlive, workerAlive: options.workerAlive });
        if (verdict.kind === 'ours-running') {
          throw new StackBusyError(`stack ${ref.stack} is locked by engine process ${verdict.holder.pid} of ours, which is still running`);
        }
        if (verdict.kind === 'foreign') throw new ForeignLockError(verdict.holders);
        if (verdict.kind === 'unknown') throw new ForeignLockError([]);
        await clearLocks(ref, verdict.holders);
      }
      throw new StackBusyError(`stack ${ref.stack} was locked again after its stale locks were cleared`);
    },
  };
}

/**
 * The useful part of an Automation API error: the engine's stderr, without
 * the command line (which is long and says nothing new).
 */
export function engineErrorText(err: unknown): string {
  if (err && typeof err === 'object' && 'commandResult' in err) {
    const result = (err as { commandResult: { stderr?: string; stdout?: string } }).commandResult;
    const stderr = result.stderr?.trim();
    if (stderr) return stderr;
  }
  return err instanceof Error ? err.message : String(err);
}
