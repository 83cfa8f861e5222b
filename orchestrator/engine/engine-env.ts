import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginsConfig } from '../config/plugins-config.ts';

/**
 * The environment every engine process of Homeostat runs with: the service's
 * runs and a person's `homeostat pulumi …` alike, so that both see the same
 * backend, secrets provider and engine home. Pure: it only computes.
 *
 * The engine hands its environment on to the language host, the program,
 * its dynamic providers and the policy packs, all of which come from a
 * commit (untrusted code). So the service's runs get an allow-list
 * ({@link engineEnvironment}), never the service's own `process.env`.
 */
export interface EngineEnvSettings {
  /** Self-managed backend, for example `file:///var/lib/homeostat/state`. */
  backendUrl: string;
  /** Passphrase of the passphrase secrets provider. Never logged. */
  passphrase: string;
  /**
   * Engine home (plugins, workspace settings); default: a `pulumi-home` folder
   * beside a file backend, else the user's. A `preinstalled` plugin folder's
   * parent wins over both (see {@link engineHome}).
   */
  pulumiHome?: string;
  /** Where plugins come from (`pulumi.plugins`); decides plugin acquisition and, for `preinstalled`, the engine home. */
  plugins: PluginsConfig;
  /** More environment for the engine, the program and its providers (values). */
  env?: Record<string, string>;
  /**
   * Names of variables of the service's own environment that every engine
   * gets (for example the shared backend's credentials); default none.
   */
  passEnv?: readonly string[];
  /**
   * Folder of Node.js's on-disk compile cache (`NODE_COMPILE_CACHE`) for the
   * program, its dynamic providers and the policy packs; none when unset.
   */
  compileCacheDir?: string;
}

/**
 * Variables of the service's environment every engine gets: where its home
 * and temporary files are, language and time zone, and `PATH` (which the
 * service's own settings normally replace by the toolchain's). None of them
 * authenticates anything.
 */
export const ENGINE_BASE_VARS: readonly string[] = ['PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ'];

/**
 * Where the engine keeps its home: the settings' own, or beside a file
 * backend (so that a machine's several sandboxes and tests never share one).
 */
export function engineHome(settings: Pick<EngineEnvSettings, 'backendUrl' | 'pulumiHome'> & { plugins?: PluginsConfig }): string | undefined {
  // The engine reads plugins only from $PULUMI_HOME/plugins: a preinstalled folder decides the home.
  if (settings.plugins?.mode === 'preinstalled') return dirname(settings.plugins.dir.replace(/\/+$/, ''));
  if (settings.pulumiHome) return settings.pulumiHome;
  return settings.backendUrl.startsWith('file://') ? join(new URL(settings.backendUrl).pathname, '..', 'pulumi-home') : undefined;
}

/**
 * Plugin acquisition as the mode wants it. Set explicitly either way, so that
 * nothing inherited (a shell that sourced `scripts/lib/env.sh`, which turns it
 * off for people's own `pulumi` commands) decides it for a service set to
 * `acquire`.
 */
export function pluginEnvVars(plugins: PluginsConfig): Record<string, string> {
  return { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: plugins.mode === 'acquire' ? 'false' : 'true' };
}

/** Loaded first by every Node.js process of an engine with a compile cache (see the file). */
export const COMPILE_CACHE_PRELOAD = fileURLToPath(new URL('./compile-cache-preload.cjs', import.meta.url));

/**
 * Node.js's on-disk compile cache for an engine's Node.js processes, in
 * `dir`. Every run starts three or more of them (the program, the policy
 * packs' hosts, dynamic providers) that load the same large modules
 * (@pulumi/pulumi and the TypeScript compiler it parses closures with,
 * @pulumi/policy); V8's code cache on disk spares compiling them again in
 * each. Node checks each entry against its source's hash, so a changed module
 * is compiled afresh, never run from a stale entry. The preload makes the
 * cache hold across those processes; `nodeOptions` (the user's own
 * NODE_OPTIONS) are kept before it.
 */
export function compileCacheEnv(dir: string, nodeOptions?: string): Record<string, string> {
  // Quoted as NODE_OPTIONS reads quotes, so that a path with spaces stays one argument.
  const preload = `--require=${JSON.stringify(COMPILE_CACHE_PRELOAD)}`;
  return { NODE_COMPILE_CACHE: dir, NODE_OPTIONS: nodeOptions ? `${nodeOptions} ${preload}` : preload };
}

/** The variables that point the engine at the backend and keep it away from Pulumi Cloud. */
export function engineEnvVars(settings: EngineEnvSettings): Record<string, string> {
  const home = engineHome(settings);
  // A compile cache named in `pulumi.env` wins (and NODE_DISABLE_COMPILE_CACHE turns it off).
  const cacheDir = settings.env?.NODE_COMPILE_CACHE ?? settings.compileCacheDir;
  return {
    ...settings.env,
    ...(cacheDir ? compileCacheEnv(cacheDir, settings.env?.NODE_OPTIONS) : {}),
    PULUMI_BACKEND_URL: settings.backendUrl,
    PULUMI_CONFIG_PASSPHRASE: settings.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    ...pluginEnvVars(settings.plugins),
    ...(home ? { PULUMI_HOME: home } : {}),
  };
}

/** The named variables of `from` that are set, in the order named. */
function pick(from: Readonly<Record<string, string | undefined>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = from[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The whole environment of one engine process of the service, and nothing
 * else: the basics ({@link ENGINE_BASE_VARS}) and the variables named in
 * `settings.passEnv` and `declared` (the stack's own `engineEnv`), read from
 * `from` (the service's environment); then the settings' values; then the
 * backend settings, which nothing overrides.
 */
export function engineEnvironment(
  settings: EngineEnvSettings,
  from: Readonly<Record<string, string | undefined>>,
  declared: readonly string[] = [],
): Record<string, string> {
  return {
    ...pick(from, ENGINE_BASE_VARS),
    ...pick(from, settings.passEnv ?? []),
    ...pick(from, declared),
    ...engineEnvVars(settings),
  };
}

/**
 * A repository's `engineEnv` for one of its stacks: a list applies to every
 * stack, a map by stack name to the stacks it names (others get none).
 */
export function declaredEngineEnv(engineEnv: readonly string[] | Readonly<Record<string, readonly string[]>> | undefined, stack: string): readonly string[] {
  if (engineEnv === undefined) return [];
  if (Array.isArray(engineEnv)) return engineEnv as readonly string[];
  return (engineEnv as Readonly<Record<string, readonly string[]>>)[stack] ?? [];
}
