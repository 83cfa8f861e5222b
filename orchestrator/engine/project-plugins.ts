import { join } from 'node:path';
import { z } from 'zod';
import { collectOutput, spawnEngine } from './engine-process.ts';

/**
 * Asks the engine which plugins a project's program needs, and which of them
 * it would load. Two questions, because the engine answers them apart:
 *
 * - `pulumi about --json` reports the language host's required-plugins
 *   answer (`GetRequiredPlugins`), installed or not: `plugins` is every
 *   plugin with its kind and version.
 * - `pulumi plugin ls --project --json` resolves those plugins the way an
 *   update loads them (the plugin folder of its `PULUMI_HOME`, and the
 *   bundled language hosts beside the engine) and leaves out what it cannot
 *   find: "present" is what it lists.
 *
 * Reading package.json instead would be a guess: the language host decides
 * (ours reads the resource SDKs installed in the program's node_modules).
 */
export interface PluginRef {
  name: string;
  kind: string;
  /** Without a leading v; undefined when the program does not pin one. */
  version?: string;
}

const AboutSchema = z.object({
  plugins: z.array(z.object({ name: z.string(), kind: z.string(), version: z.string().nullable().optional() })).nullable().optional(),
});
const ListSchema = z.array(z.object({ name: z.string(), kind: z.string(), version: z.string().optional() })).nullable();

export interface ProjectPluginsOptions {
  /** Folder holding `pulumi`. */
  pulumiDir: string;
  /** The project's folder (its Pulumi.yaml). */
  projectDir: string;
  /** The engine's whole environment (`engineEnvironment`), plugin settings included. */
  env: Record<string, string>;
}

const clean = (version: string | null | undefined): string | undefined => (version ? version.replace(/^v/, '') : undefined);

async function runJson(options: ProjectPluginsOptions, args: string[]): Promise<unknown> {
  const child = spawnEngine(join(options.pulumiDir, 'pulumi'), args, options.projectDir, options.env);
  const out = collectOutput(child);
  const code = await out.exited;
  const { stdout, stderr } = out.output();
  if (code !== 0) throw new Error(`pulumi ${args.join(' ')} in ${options.projectDir} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`pulumi ${args.join(' ')} in ${options.projectDir} printed no JSON: ${stdout.slice(0, 200)}`);
  }
}

/** The plugins the project's program needs, as the engine's language host reports them. */
export async function requiredPlugins(options: ProjectPluginsOptions): Promise<PluginRef[]> {
  const about = AboutSchema.parse(await runJson(options, ['about', '--json']));
  return (about.plugins ?? []).map((p) => ({ name: p.name, kind: p.kind, ...(clean(p.version) ? { version: clean(p.version) } : {}) }));
}

/** The project's plugins the engine finds, as it would load them; missing ones are left out. */
export async function resolvedPlugins(options: ProjectPluginsOptions): Promise<PluginRef[]> {
  const list = ListSchema.parse(await runJson(options, ['plugin', 'ls', '--project', '--json']));
  return (list ?? []).map((p) => ({ name: p.name, kind: p.kind, ...(clean(p.version) ? { version: clean(p.version) } : {}) }));
}
