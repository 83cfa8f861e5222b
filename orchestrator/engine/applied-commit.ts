/**
 * Which commit a stack was last applied from, as the state backend itself
 * records it. Every update Homeostat makes carries the commit in its update
 * message, so that a service whose Redis was lost entirely can read each
 * stack's applied commit back from the backend's history instead of
 * applying everything again. Pure: no I/O.
 */

const PREFIX = 'homeostat: apply ';

/** The update message of an apply of `commit` (shown by `pulumi stack history`). */
export function applyMessage(commit: string): string {
  return `${PREFIX}${commit}`;
}

/** One entry of a stack's update history, newest first, as the engine lists it. */
export interface HistoryEntry {
  kind: string;
  result: string;
  message: string;
}

/**
 * The commit of the newest successful update Homeostat made, or undefined.
 * Refreshes, failed updates and a person's own `pulumi up` are skipped: they
 * change no commit of ours, and after a person's update the stack is simply
 * drifted from the commit last applied, which the next push reconciles.
 */
export function appliedCommitOf(history: readonly HistoryEntry[]): string | undefined {
  for (const entry of history) {
    if (entry.kind !== 'update' || entry.result !== 'succeeded') continue;
    if (!entry.message.startsWith(PREFIX)) continue;
    const commit = entry.message.slice(PREFIX.length).trim();
    if (/^[0-9a-f]{40}$/.test(commit)) return commit;
  }
  return undefined;
}
