import { basename } from 'node:path';
import { z } from 'zod';

/**
 * `pulumi.plugins`: where the engine's provider plugins come from.
 *
 * - `acquire` (default): the engine downloads the plugins a program needs, as
 *   the Pulumi CLI does by default. For a deployment that can reach the
 *   plugins' download sites.
 * - `preinstalled`: air-gapped sites. Acquisition is off and the engine finds
 *   plugins in `dir`, a folder laid out as `pulumi plugin install` lays one
 *   out. The engine (v3.276.0) reads plugins only from `$PULUMI_HOME/plugins`
 *   (and ambient binaries on PATH): there is no separate variable for the
 *   folder. So `dir` must be named `plugins`, and the engine's home is its
 *   parent folder, which must be writable (the engine keeps workspace
 *   settings there too).
 * - `off`: acquisition off, no plugin folder: programs that use only dynamic
 *   providers (the sandbox, the tests here).
 *
 * Written either as the mode alone (`plugins: off`) or as a mapping
 * (`plugins: {mode: preinstalled, dir: /var/lib/homeostat/pulumi-home/plugins}`).
 */
export const PLUGIN_MODES = ['acquire', 'preinstalled', 'off'] as const;
export type PluginMode = (typeof PLUGIN_MODES)[number];

export type PluginsConfig = { mode: 'acquire' } | { mode: 'off' } | { mode: 'preinstalled'; dir: string };

export const PluginsConfigSchema = z
  .preprocess(
    (v) => (typeof v === 'string' ? { mode: v } : v),
    z
      .object({
        mode: z.enum(PLUGIN_MODES, { message: `one of ${PLUGIN_MODES.join(', ')}` }),
        /** The plugin folder of `preinstalled`: absolute, or relative to the config file. */
        dir: z.string().min(1).optional(),
      })
      .strict(),
  )
  .superRefine((p, ctx) => {
    if (p.mode === 'preinstalled') {
      if (p.dir === undefined) ctx.addIssue({ code: 'custom', path: ['dir'], message: 'preinstalled needs the plugin folder (dir), for example /var/lib/homeostat/pulumi-home/plugins' });
      else if (basename(p.dir.replace(/\/+$/, '')) !== 'plugins')
        ctx.addIssue({ code: 'custom', path: ['dir'], message: `the engine reads plugins from $PULUMI_HOME/plugins, so the folder must be named plugins (its parent becomes the engine's home); got ${p.dir}` });
    } else if (p.dir !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['dir'], message: `only preinstalled has a plugin folder; ${p.mode} has none` });
    }
  })
  .transform((p): PluginsConfig => (p.mode === 'preinstalled' ? { mode: 'preinstalled', dir: p.dir ?? '' } : { mode: p.mode }))
  .default({ mode: 'acquire' });
