import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import {
  LocalWorkspace,
  PulumiCommand,
  StackNotFoundError,
  type EngineEvent,
  type Stack,
} from '@pulumi/pulumi/automation/index.js';
import { appliedCommitOf, type HistoryEntry } from './applied-commit.ts';
import { engineEnvironment, engineHome, type EngineEnvSettings } from './engine-env.ts';
import { classifyEngineError, isStackNotFound } from './engine-errors.ts';
import { describeHolders, judgeLocks, parseLockHolders, type EngineIdentity, type EngineLockHolder } from './engine-lock.ts';
import { collectOutput, engineIdentity, processAlive, spawnEngine, type EngineChild } from './engine-process.ts';
import { isFileBackend, listFileLocks, removeFileLocks } from './file-backend-locks.ts';
import { fileStateVersion } from './file-backend-state.ts';
import { withPolicyConfig } from './policy-config-files.ts';
import { previewStackCli, previewThenUpdate, type PreviewInvocation, type UpInvocation } from './preview-then-update.ts';
import { summarizeEvents, type RunSummary } from './run-summary.ts';
import { sealEnvironment } from './sealed-command.ts';

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
  /**
   * The folder the engine runs for a policy pack folder: its compiled build
   * (build/pack-build.ts). Default: the folder as it is.
   */
  packFolder?: (folder: string) => Promise<string>;
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
  /** Preview only: the file the engine writes its update plan to (`pulumi preview --save-plan`); default none. */
  savePlan?: string;
  /**
   * `apply` only: a plan file saved by a preview of the same content and
   * stack state. The engine then updates without previewing again (`pulumi
   * up --skip-preview --plan`) and refuses any operation beyond the plan;
   * the policy packs still run on the update. Default none.
   */
  plan?: string;
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
  /** `sha256:…` of the stack's checkpoint (`pulumi stack export`): changes with every update, refresh or import. */
  stateVersion(ref: StackRef): Promise<string>;
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

/** What the functions below need of a runner: its settings, a stack opened through the Automation API, and a raw engine process. */
interface EngineAccess {
  settings: EngineSettings;
  open(ref: StackRef): Promise<Stack>;
  /** Spawns the engine in the stack's folder with the stack's environment (and `extraEnv`). */
  start(ref: StackRef): (args: string[], extraEnv?: Record<string, string>) => EngineChild;
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
  const workspaceOptions = (ref: StackRef) => ({ pulumiCommand, envVars: envVars(ref), secretsProvider: 'passphrase' });
  const access: EngineAccess = {
    settings,
    open: (ref) => LocalWorkspace.createOrSelectStack({ workDir: ref.workDir, stackName: ref.stack }, workspaceOptions(ref)),
    start: (ref) => (args, extraEnv = {}) => spawnEngine(pulumiCommand.command, args, ref.workDir, { ...envVars(ref), ...extraEnv }),
  };

  async function history(ref: StackRef, pageSize = 50): Promise<HistoryEntry[]> {
    let stack: Stack;
    try {
      // Selected, never created: looking must not leave an empty stack in the backend.
      stack = await LocalWorkspace.selectStack({ workDir: ref.workDir, stackName: ref.stack }, workspaceOptions(ref));
    } catch (err) {
      if (err instanceof StackNotFoundError) return [];
      throw err;
    }
    return (await stack.history(pageSize)).map((u) => ({ kind: u.kind, result: u.result, message: u.message ?? '' }));
  }

  return {
    run: (kind, ref, options) => runOnce(access, kind, ref, options),
    async outputs(ref) {
      const outs = await (await access.open(ref)).outputs();
      return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.secret ? '[secret]' : v.value]));
    },
    async appliedCommit(ref) {
      // A page of recent updates is enough: refreshes and failed attempts since the last apply are few.
      return appliedCommitOf(await history(ref, 50));
    },
    history,
    async stateVersion(ref) {
      const fromFile = await fileStateVersion(settings.backendUrl, ref.workDir, ref.stack);
      if (fromFile) return fromFile;
      // Elsewhere one engine call (`stack export`), hashed as it streams (a checkpoint can be large).
      const child = access.start(ref)(['stack', 'export', '--stack', ref.stack, '--non-interactive']);
      const hash = createHash('sha256');
      child.stdout.on('data', (d: Buffer) => hash.update(d));
      if ((await collectOutput(child).exited) === 0) return `sha256:${hash.digest('hex')}`;
      // No such stack yet (a first preview): selected-or-created as a preview would, then read through the Automation API.
      const state = await (await access.open(ref)).exportStack();
      return `sha256:${createHash('sha256').update(JSON.stringify(state, null, 4)).digest('hex')}`;
    },
    async locks(ref) {
      if (!isFileBackend(settings.backendUrl)) return undefined;
      const project = (await (await access.open(ref)).workspace.projectSettings()).name;
      return listFileLocks(settings.backendUrl, project, ref.stack);
    },
    async forceUnlock(ref) {
      await (await access.open(ref)).cancel();
    },
    recover: (ref, options) => recoverStack(access, ref, options),
  };
}

/** One engine operation on a stack, its events summarised; an engine failure is a result with `ok: false`, never a throw. */
async function runOnce(access: EngineAccess, kind: RunKind, ref: StackRef, options: RunOptions = {}): Promise<RunResult> {
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
    // Each open is one engine process (`stack select`); an apply runs the CLI itself and does not need one (see applyStack).
    const open = () => access.open(ref);
    const packFolder = access.settings.packFolder ?? (async (folder: string) => folder);
    const policyPacks = await Promise.all([...access.settings.policyPacks, ...(options.policyPacks ?? [])].map(packFolder));
    await withPolicyConfig(policyPacks, options.policyConfig, async (policyPackConfigs) => {
      const policy = { policyPacks, policyPackConfigs };
      const common = { onEvent, signal: options.signal, ...(options.message ? { message: options.message } : {}) };
      switch (kind) {
        case 'preview':
          await previewStack(access, ref, { ...common, ...policy, stack: ref.stack, ...(options.refresh ? { refresh: true } : {}), ...(options.savePlan ? { savePlan: options.savePlan } : {}) });
          break;
        case 'up':
          await (await open()).up({ ...common, ...policy, diff: true, refresh: options.refresh ?? false });
          break;
        case 'apply':
          await applyStack(access, ref, { ...options, ...policy, stack: ref.stack, onEvent });
          break;
        case 'refresh':
          if (options.previewOnly) await (await open()).previewRefresh({ ...common });
          else await (await open()).refresh({ ...common });
          break;
        case 'destroy':
          await (await open()).destroy({ ...common });
          break;
      }
    });
    return finish(true);
  } catch (err) {
    return finish(false, engineErrorText(err));
  }
}

/**
 * Runs an engine command given `--stack`, without selecting the stack first:
 * a `stack select` before it was one more engine process (0.8–1.0 s at load
 * 10 on this machine) before every preview and apply. Only a first run finds
 * no stack: the engine refuses at once (nothing ran, no lock taken), the
 * stack is created as the Automation API creates it, and the run goes again.
 */
async function creatingStackOnce(access: Pick<EngineAccess, 'open'>, ref: StackRef, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!isStackNotFound(engineErrorText(err))) throw err;
    await access.open(ref);
    await run();
  }
}

/** `pulumi up` of the stack in one engine process (see {@link creatingStackOnce}). */
export function applyStack(access: Pick<EngineAccess, 'open' | 'start'>, ref: StackRef, up: UpInvocation): Promise<void> {
  return creatingStackOnce(access, ref, () => previewThenUpdate(access.start(ref), up));
}

/** `pulumi preview` of the stack in one engine process (see {@link creatingStackOnce}). */
export function previewStack(access: Pick<EngineAccess, 'open' | 'start'>, ref: StackRef, preview: PreviewInvocation): Promise<void> {
  return creatingStackOnce(access, ref, () => previewStackCli(access.start(ref), preview));
}

/** See {@link StackRunner.recover}. */
async function recoverStack(access: EngineAccess, ref: StackRef, options: RecoverOptions): Promise<void> {
  // Each pass clears what it proved stale; a lock of ours taken again in between is judged afresh.
  for (let pass = 0; pass < 3; pass++) {
    const child = access.start(ref)(['refresh', '--yes', '--skip-preview', '--non-interactive', '--clear-pending-creates', '--stack', ref.stack]);
    if (child.pid !== undefined) options.onEngineStarted?.(engineIdentity(child.pid));
    const { output, exited } = collectOutput(child);
    const code = await exited;
    if (code === 0) return;
    const result = { code, ...output() };
    const text = result.stderr || result.stdout;
    if (classifyEngineError(text).reason !== 'StackLocked') throw Object.assign(new Error(`recovery refresh failed: ${text.trim()}`), { commandResult: result });
    const verdict = judgeLocks(parseLockHolders(text), options.ours, { host: hostname(), alive: processAlive, workerAlive: options.workerAlive });
    if (verdict.kind === 'ours-running') {
      throw new StackBusyError(`stack ${ref.stack} is locked by engine process ${verdict.holder.pid} of ours, which is still running`);
    }
    if (verdict.kind === 'foreign') throw new ForeignLockError(verdict.holders);
    if (verdict.kind === 'unknown') throw new ForeignLockError([]);
    // Exactly the lock files judged stale on a file backend; elsewhere only `pulumi cancel`
    // exists, which removes every lock of the stack: safe, as every lock was just judged ours and stale.
    if (isFileBackend(access.settings.backendUrl)) await removeFileLocks(access.settings.backendUrl, verdict.holders);
    else await (await access.open(ref)).cancel();
  }
  throw new StackBusyError(`stack ${ref.stack} was locked again after its stale locks were cleared`);
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
