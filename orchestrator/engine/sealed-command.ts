import type { PulumiCommand } from '@pulumi/pulumi/automation/index.js';

/** `PulumiCommand.run` of @pulumi/pulumi (internal to the SDK, but what every workspace and stack command goes through). */
type RunCommand = (args: string[], cwd: string, additionalEnv: Record<string, string>, ...rest: unknown[]) => Promise<unknown>;

/**
 * Every variable of `ambient` that `env` does not set, set to `undefined`:
 * Node's `child_process` leaves undefined values out of a child's
 * environment, so a child given the result sees `env` and nothing else,
 * even when the caller merges `ambient` underneath it.
 */
export function hideAmbient(env: Record<string, string>, ambient: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of Object.keys(ambient)) if (!(name in env)) out[name] = undefined;
  return { ...out, ...env };
}

/**
 * Makes the Automation API start the engine with exactly the environment
 * the workspace was given. The SDK runs every CLI command through
 * `PulumiCommand.run`, which calls execa with its default
 * `extendEnv: true`, so the child would get the whole of the service's
 * `process.env` underneath the workspace's `envVars` (checked in
 * @pulumi/pulumi 3.276, `automation/cmd.js`, `exec`): the service's tokens
 * would reach every program and policy pack. This wraps the command's `run`
 * so that each call hides every variable of `process.env`, as it is at that
 * moment, that the call was not given.
 */
export function sealEnvironment(command: PulumiCommand): PulumiCommand {
  const target = command as unknown as { run?: RunCommand };
  const run = target.run;
  if (typeof run !== 'function') {
    // Refuse to run rather than run with the service's environment.
    throw new Error('cannot restrict the engine environment: @pulumi/pulumi PulumiCommand has no run() any more');
  }
  target.run = (args, cwd, additionalEnv, ...rest) =>
    run.call(command, args, cwd, hideAmbient(additionalEnv, process.env) as Record<string, string>, ...rest);
  return command;
}
