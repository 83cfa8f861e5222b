import { isDeepStrictEqual } from 'node:util';

/**
 * The names of the stack outputs an apply changed: added, removed, or with a
 * new value, compared with what was applied before (none when the stack is
 * new). An outputs change is a change even when no resource changed: the
 * stacks that read the outputs through StackReferences must run again.
 */
export function changedOutputs(before: Record<string, unknown> | undefined, after: Record<string, unknown>): string[] {
  const was = before ?? {};
  const keys = new Set([...Object.keys(was), ...Object.keys(after)]);
  return [...keys].filter((k) => !(k in was) || !(k in after) || !isDeepStrictEqual(was[k], after[k])).sort();
}
