import { lock } from 'proper-lockfile';
import { GitError } from './git.ts';

/**
 * A lock on one bare mirror that holds across processes. Several `homeostat
 * serve` processes may share one data folder, and git's worktree bookkeeping
 * is not safe between them: `git worktree prune` in one process deletes the
 * half-made entry of a `git worktree add` running in another (seen as "could
 * not open 'worktrees/…/gitdir' for writing"), and two fetches race for the
 * same refs. Within one process the fetcher already runs these one at a time.
 *
 * The lock is a folder beside the mirror (`<mirror>.lock`) whose time stamp the
 * holder refreshes; a holder that died leaves it stale after {@link STALE_MS},
 * and the next process takes it over.
 */
const STALE_MS = 20_000;
const REFRESH_MS = 5_000;
/** About ten minutes of waiting (a first clone of a big repository can take minutes) before the run is told. */
const RETRIES = { retries: 650, factor: 1.3, minTimeout: 20, maxTimeout: 1_000, randomize: true };

export async function withMirrorLock<T>(mirror: string, fn: () => Promise<T>): Promise<T> {
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lock(mirror, {
      realpath: false,
      stale: STALE_MS,
      update: REFRESH_MS,
      retries: RETRIES,
      // The default throws from a timer, which would end the process; the holder is told when it finishes instead.
      onCompromised: (err) => {
        lost = err;
      },
    });
  } catch (err) {
    throw new GitError(`the mirror lock ${mirror}.lock was not free after about ten minutes: ${(err as Error).message}`, [], '');
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
    // Whatever fn did is done; a lost lock only means another process may have worked beside it, which the next run repairs.
    if (lost) process.emitWarning(`the mirror lock ${mirror}.lock was taken over while held: ${lost.message}`);
  }
}
