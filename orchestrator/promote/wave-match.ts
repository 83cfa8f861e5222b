/**
 * Which promotion wave a stack belongs to: the first wave with a glob that
 * matches it. A glob without `/` matches the stack's name (`prod-*`), one
 * with `/` matches `project/stack`. Pure.
 */

/** A wave as config declares it (`config/promotion-config.ts`). */
export interface WaveSpec {
  readonly name: string;
  readonly stacks: readonly string[];
}

/** `*` is any run of characters but `/`; `?` one such character; everything else is itself. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\-]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`);
}

export function globMatches(glob: string, project: string, stack: string): boolean {
  return globToRegExp(glob).test(glob.includes('/') ? `${project}/${stack}` : stack);
}

/** Index of the stack's wave, or undefined when no wave names it (it is not promoted: it applies at once). */
export function waveOf(waves: readonly WaveSpec[], project: string, stack: string): number | undefined {
  const i = waves.findIndex((w) => w.stacks.some((g) => globMatches(g, project, stack)));
  return i < 0 ? undefined : i;
}
