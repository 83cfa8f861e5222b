import type { NotificationKind } from './notification.ts';

/** What routing reads of a target: the kinds and stacks it asked for (none: all). */
export interface Route {
  readonly id: string;
  readonly events?: readonly NotificationKind[];
  readonly stacks?: readonly string[];
}

/**
 * The targets a notification goes to: those that asked for its kind and
 * whose stack patterns match its stack. A notification without a stack
 * (a service-wide one) goes to the targets that did not narrow by stack.
 * Pure.
 */
export function routesFor<T extends Route>(n: { kind: NotificationKind; stack?: string }, targets: readonly T[]): T[] {
  return targets.filter((t) => (t.events ? t.events.includes(n.kind) : true) && (t.stacks ? n.stack !== undefined && t.stacks.some((p) => globMatch(p, n.stack!)) : true));
}

/** Whether `text` matches `pattern`, where `*` stands for any run of characters (none included) and everything else for itself. */
export function globMatch(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (!text.startsWith(first) || !text.endsWith(last) || text.length < first.length + last.length) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}
