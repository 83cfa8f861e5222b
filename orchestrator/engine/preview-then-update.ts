import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import { collectOutput, engineIdentity, type EngineChild } from './engine-process.ts';
import type { EngineIdentity } from './engine-lock.ts';
import { openEngineEventStream } from './event-stream.ts';

export const DEFAULT_INTERRUPT_GRACE_MS = 10_000;

/** What one `pulumi up` of a stack is run with. */
/** Spawns the engine CLI with the stack's environment. */
type EngineStart = (args: string[], extraEnv: Record<string, string>) => EngineChild;

export interface UpInvocation {
  stack: string;
  policyPacks: string[];
  /** One config file per pack, or none. */
  policyPackConfigs: string[];
  refresh?: boolean;
  /**
   * A plan file saved by a preview (see `RunOptions.plan`): the update runs
   * without its own preview (`--skip-preview`) and within the plan. Engine
   * v3.276.0 accepts `--plan` without `PULUMI_EXPERIMENTAL=true`: the
   * variable only unhides the flag in `--help` (`cmd/pulumi/operations/up.go`
   * reads the plan whenever the flag is given), so none is set.
   */
  plan?: string;
  message?: string;
  signal?: AbortSignal;
  /** After `signal` aborts, how long the engine has to stop on SIGINT before it is killed; default 10 000 ms. */
  interruptGraceMs?: number;
  onEngineStarted?: (engine: EngineIdentity) => void;
  onEvent: (e: EngineEvent) => void;
}

/**
 * `pulumi up --yes` in one engine process: the engine previews (policy
 * packs included) and updates only if the preview passed, like a person's
 * `pulumi up`. The Automation API always skips that preview, so the CLI is
 * run here directly (`start` spawns it with the stack's environment), its
 * events streamed to us as the Automation API's are. An error carries the
 * engine's output as `commandResult`, as the Automation API's do.
 */
export function previewThenUpdate(start: EngineStart, up: UpInvocation): Promise<void> {
  return runStackCommand(start, ['up', '--yes', ...(up.plan ? ['--skip-preview', '--plan', up.plan] : [])], up);
}

/** What one `pulumi preview` of a stack is run with. */
export interface PreviewInvocation extends Omit<UpInvocation, 'plan' | 'onEngineStarted'> {
  /** Where the engine writes the preview's update plan (`--save-plan`). */
  savePlan?: string;
}

/**
 * `pulumi preview` (policy packs included) in one engine process, run
 * directly as `previewThenUpdate` runs `up`: through the Automation API a
 * preview needed a `stack select` first, one more engine process before
 * every pull request's preview and every remediation's policy check.
 */
export function previewStackCli(start: EngineStart, preview: PreviewInvocation): Promise<void> {
  return runStackCommand(start, ['preview', ...(preview.savePlan ? ['--save-plan', preview.savePlan] : [])], preview);
}

/** Runs `command` on the stack with what every run takes (policy packs, refresh, message), its events streamed to `run.onEvent`. */
async function runStackCommand(start: EngineStart, command: string[], run: PreviewInvocation & Pick<UpInvocation, 'onEngineStarted'>): Promise<void> {
  const events = await openEngineEventStream(run.onEvent);
  // Closed however the run ends, a failed spawn included: an open server would keep the process alive.
  try {
    const args = [...command, '--diff', '--non-interactive', '--stack', run.stack, '--event-log', events.address];
    for (const p of run.policyPacks) args.push('--policy-pack', p);
    for (const c of run.policyPackConfigs) args.push('--policy-pack-config', c);
    if (run.refresh) args.push('--refresh');
    if (run.message) args.push('--message', run.message);
    await runEngineCommand(start, args, run);
  } finally {
    events.close();
  }
}

/** Runs one engine command to its end; interrupted, then killed, when `signal` aborts; throws on a non-zero exit. */
async function runEngineCommand(
  start: EngineStart,
  args: string[],
  run: Pick<UpInvocation, 'signal' | 'interruptGraceMs' | 'onEngineStarted'>,
): Promise<void> {
  const child = start(args, { PULUMI_DEBUG_COMMANDS: 'true', PULUMI_AUTOMATION_API: 'true' });
  if (child.pid !== undefined) run.onEngineStarted?.(engineIdentity(child.pid));
  const { output, exited } = collectOutput(child);
  // Interrupted first, so that the engine can write its checkpoint and release its lock; killed if it does not stop.
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill('SIGINT');
    killTimer = setTimeout(() => child.kill('SIGKILL'), run.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS);
  };
  run.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await exited;
    if (code !== 0) {
      const { stdout, stderr } = output();
      const err = new Error(`pulumi ${args[0]} exited with code ${code}`) as Error & { commandResult: { stderr: string; stdout: string } };
      err.commandResult = { stderr: stderr || stdout, stdout };
      throw err;
    }
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
  }
}
