import type { PluginsConfig } from '../config/plugins-config.ts';
import type { RunReason } from '../records/run-record.ts';

/**
 * The kind of a failure decides what happens next (as in Flux): `stalled`
 * needs a person and is not retried until a new commit; `waiting` is retried
 * later without counting as a failure; `transient` is retried with backoff,
 * at most three attempts per stack and commit.
 */
export type FailureKind = 'stalled' | 'waiting' | 'transient';

export interface Classified {
  kind: FailureKind;
  reason: RunReason;
}

/**
 * Known engine error texts and their typed reasons, in one table, first
 * match wins. The texts are the engine's own (stderr of the CLI).
 */
export const ENGINE_ERROR_TABLE: readonly { pattern: RegExp; kind: FailureKind; reason: RunReason }[] = [
  // First: a full disk breaks whatever was writing (git, npm, the engine, a program), and is nobody's commit's fault.
  { pattern: /ENOSPC|no space left on device|out of diskspace|disk quota exceeded/i, kind: 'waiting', reason: 'DiskFull' },
  { pattern: /mandatory policy violation|policy violations? (?:were|was) (?:found|reported)|preview failed due to policy/i, kind: 'stalled', reason: 'PolicyViolation' },
  { pattern: /another update is currently in progress|\[409\] Conflict/i, kind: 'waiting', reason: 'ConcurrentUpdate' },
  { pattern: /the stack is currently locked|stack is locked/i, kind: 'waiting', reason: 'StackLocked' },
  { pattern: /passphrase must be set|incorrect passphrase|failed to decrypt|secrets? provider|could not decrypt|missing required configuration (?:variable|value)/i, kind: 'stalled', reason: 'MissingSecret' },
  // pulumi.plugins is acquire and the download failed: the site may answer later, so retried with backoff.
  { pattern: /could not automatically download and install (?:resource|language|analyzer) plugin/i, kind: 'transient', reason: 'MissingPlugin' },
  // A plugin that the engine could not find (acquisition off) does not appear by itself: the same commit would fail again.
  { pattern: /no (?:resource|language|analyzer) plugin '[^']+' found|could not find plugin|plugin \S+ (?:v\S+ )?(?:was )?not found/i, kind: 'stalled', reason: 'MissingPlugin' },
  // A policy pack that does not compile (build/pack-build.ts), before any engine ran.
  { pattern: /invalid stack config|does not compile: |Program exited with non-zero exit code|TSError|SyntaxError|TypeError|ReferenceError|Cannot find module|failed to load|unhandled exception/i, kind: 'stalled', reason: 'InvalidProgram' },
];

/** Maps an engine's error text to its reason and kind; unknown errors are transient engine errors. */
export function classifyEngineError(text: string, hasMandatoryViolation = false): Classified {
  if (hasMandatoryViolation) return { kind: 'stalled', reason: 'PolicyViolation' };
  for (const row of ENGINE_ERROR_TABLE) if (row.pattern.test(text)) return { kind: row.kind, reason: row.reason };
  return { kind: 'transient', reason: 'EngineError' };
}

/**
 * The engine's own texts when an update does not keep to its plan (`up
 * --plan`, engine v3.276.0, `pkg/resource/deploy/step_generator.go` and
 * `deployment_executor.go`): `resource urn:… violates plan: properties
 * changed: ~~planx:size[{3}!={4}]`, `update is not allowed by the plan: …`,
 * `no plan for resource urn:…`, `expected resource operations for urn:… but
 * none were seen`, `Expected a new resource plan for urn:…`.
 */
export const PLAN_REFUSAL = /violates plan:|is not allowed by the plan|no plan for resource|expected resource operations for \S+ but none were seen|expected a new resource plan for|while applying an update plan/i;

/** Whether the engine refused an update because it did not keep to its plan (the stack or the program moved since the preview). */
export function isPlanRefusal(text: string): boolean {
  return PLAN_REFUSAL.test(text);
}

/** The engine's text (v3.276.0, `pkg/cmd/pulumi/stack`) when `--stack` names a stack the backend does not hold: `error: no stack named 'sandbox' found`. */
export const STACK_NOT_FOUND = /no stack named '[^']*' found/i;

/** Whether an engine run failed only because its stack does not exist yet (a first apply). */
export function isStackNotFound(text: string): boolean {
  return STACK_NOT_FOUND.test(text);
}

/**
 * What a person does about a missing plugin, read off the engine's text
 * (`no resource plugin 'pulumi-resource-aws' found in the workspace at
 * version v7.48.0` names its kind, name and version) and fitted to where the
 * service's plugins come from (`pulumi.plugins`). Undefined when the text
 * names no plugin. Without `plugins`, the advice names no mode.
 */
export function missingPluginAdvice(text: string, plugins?: PluginsConfig): string | undefined {
  // `no resource plugin '…' found … at version v…` (acquisition off) or `Could not automatically download and install resource plugin '…' at version v…` (acquire).
  const m = /(?:no|install) (resource|language|analyzer) plugin 'pulumi-(?:resource|language|analyzer)-([A-Za-z0-9_.-]+)'[^\n]*?version v?([0-9][0-9A-Za-z.+-]*)/.exec(text);
  if (!m) return undefined;
  const [, kind, name, version] = m as unknown as [string, string, string, string];
  const install = `pulumi plugin install ${kind} ${name} ${version}`;
  const again = 'then push again or run the stack by hand';
  switch (plugins?.mode) {
    case 'acquire':
      return `pulumi.plugins is acquire but the engine could not get it: let the service reach the plugin's download site, or install it into the engine's home by hand (\`homeostat pulumi -c <service config> plugin install ${kind} ${name} ${version}\`); ${again}`;
    case 'preinstalled': {
      // The engine home is the folder's parent (config/plugins-config.ts).
      const home = plugins.dir.replace(/\/+$/, '').replace(/\/[^/]+$/, '') || '/';
      return `pulumi.plugins is preinstalled: install it into ${plugins.dir} from the plugin's archive (pulumi-${kind}-${name}-v${version}-<os>-<arch>.tar.gz, fetched where it can be downloaded): \`PULUMI_HOME=${home} ${install} --file <archive>\`; ${again}`;
    }
    case 'off':
      return `pulumi.plugins is off (no acquisition, no plugin folder): set it to acquire to let the engine download ${kind} plugin ${name} ${version}, or to {mode: preinstalled, dir: <folder named plugins>} with the plugin installed there (\`${install} --file <archive>\`); ${again}`;
    default:
      return `install it where the service's engine looks (its PULUMI_HOME): \`${install}\`, or put pulumi-${kind}-${name} on the engine's PATH; ${again}`;
  }
}
