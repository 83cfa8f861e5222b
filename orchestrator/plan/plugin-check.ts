/**
 * `homeostat plugins check`: which plugins each configured stack's program
 * needs and whether the engine finds each. Pure: the engine's answers come in
 * (`engine/project-plugins.ts`), a report goes out.
 */

/** A plugin as the engine names it; `version` without a leading v. */
export interface PluginNeed {
  name: string;
  kind: string;
  version?: string;
}

export interface PluginStatus extends PluginNeed {
  /** Whether the engine finds it at the version needed (or any, when none is pinned). */
  present: boolean;
}

export interface StackPlugins {
  /** `<repo>/<project dir>/<stack>`, as stack keys are written. */
  stack: string;
  commit: string;
  plugins: PluginStatus[];
  /** Why the engine could not say (the stack's plugins are then unknown, and the check fails). */
  error?: string;
}

export interface PluginsReport {
  mode: 'acquire' | 'preinstalled' | 'off';
  /** The folder the engine reads plugins from (`$PULUMI_HOME/plugins`); undefined when it is the user's own home. */
  folder?: string;
  stacks: StackPlugins[];
  /** Every plugin missing somewhere, once each. */
  missing: PluginNeed[];
  ok: boolean;
}

const same = (a: PluginNeed, b: PluginNeed) => a.name === b.name && a.kind === b.kind;

/**
 * Marks each needed plugin present when the engine resolved one of the same
 * kind and name at its version. A plugin the engine resolves without a
 * version is one it found beside itself or on PATH (the bundled language
 * host): it loads that one whatever version is asked for, so it counts.
 */
export function pluginStatuses(needed: readonly PluginNeed[], found: readonly PluginNeed[]): PluginStatus[] {
  return needed.map((n) => ({ ...n, present: found.some((f) => same(f, n) && (n.version === undefined || f.version === undefined || f.version === n.version)) }));
}

/** The whole report: ok only when every stack's plugins are known and present. */
export function pluginsReport(mode: PluginsReport['mode'], folder: string | undefined, stacks: StackPlugins[]): PluginsReport {
  const missing: PluginNeed[] = [];
  for (const s of stacks) {
    for (const p of s.plugins) {
      if (!p.present && !missing.some((m) => same(m, p) && m.version === p.version)) missing.push({ name: p.name, kind: p.kind, ...(p.version ? { version: p.version } : {}) });
    }
  }
  return { mode, ...(folder ? { folder } : {}), stacks, missing, ok: missing.length === 0 && stacks.every((s) => s.error === undefined) };
}

/** The report as a person reads it: one table row per stack and plugin, then what is missing. */
export function formatPluginsReport(report: PluginsReport): string {
  const lines = [`plugins: ${report.mode}${report.folder ? `, folder ${report.folder}` : ''}`, ''];
  const rows = report.stacks.flatMap((s) =>
    s.error ? [[s.stack, '-', '-', '-', `unknown: ${s.error}`]] : s.plugins.map((p) => [s.stack, p.kind, p.name, p.version ?? '(any)', p.present ? 'present' : 'MISSING']),
  );
  const header = ['STACK', 'KIND', 'NAME', 'VERSION', 'STATUS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) lines.push(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
  lines.push('');
  if (report.ok) lines.push('every plugin the stacks need is present');
  else if (report.missing.length > 0) lines.push(`missing: ${report.missing.map((m) => `${m.kind} ${m.name}${m.version ? ` ${m.version}` : ''}`).join(', ')}`);
  else lines.push('the plugins of some stacks are unknown (see above)');
  return lines.join('\n');
}
