import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceArtifact } from './artifact.ts';
import type { DependencyCache } from './dependency-cache.ts';
import { git, GitError } from './git.ts';
import { withMirrorLock } from './mirror-lock.ts';
import { revisionProblem } from './ref-name.ts';

/**
 * The source stage: keeps a bare mirror of each watched repository and checks
 * out one worktree per run, yielding an immutable {@link SourceArtifact}.
 */
export interface SourceFetcher {
  /**
   * Fetches `ref` (a branch, tag or commit id) of `repo` and checks it out.
   * With a `slot`, the checkout is the slot's own folder, reused from run to
   * run (its caches stay warm); the caller must hold whatever makes the slot
   * exclusive (the deploy worker passes the stack key, under the stack's
   * lock). Without one, every call gets a fresh folder.
   */
  fetch(repo: string, ref: string, slot?: string): Promise<SourceArtifact>;
  /** Resolves a ref to a commit id without checking anything out (for pollers). */
  resolve(repo: string, ref: string): Promise<string>;
  /** Removes a run's worktree. */
  release(artifact: SourceArtifact): Promise<void>;
  /** Names of the files changed between two commits (from may be undefined: everything). */
  changedFiles(repo: string, from: string | undefined, to: string): Promise<string[]>;
  /** Every file path of a commit. */
  listFiles(repo: string, commit: string): Promise<string[]>;
  /** One file of a commit, as text. */
  readFile(repo: string, commit: string, path: string): Promise<string>;
  /** The best common ancestor of two commits, if any. */
  mergeBase(repo: string, a: string, b: string): Promise<string | undefined>;
  /** Whether `ancestor` is an ancestor of (or equal to) `commit`; false when either is unknown. */
  isAncestor(repo: string, ancestor: string, commit: string): Promise<boolean>;
}

export interface SourceFetcherOptions {
  /** Cache folder: `mirrors/` and `worktrees/` go below it. */
  dir: string;
  /** Links npm dependencies into each worktree; none when omitted. */
  dependencies?: DependencyCache;
}

function mirrorName(repo: string): string {
  return createHash('sha256').update(repo).digest('hex').slice(0, 16);
}

/** The bare mirror of `repo` under `mirrors`, made (empty, with its remote) the first time, by one process of those sharing the folder. */
async function openMirror(mirrors: string, repo: string): Promise<string> {
  const dir = join(mirrors, `${mirrorName(repo)}.git`);
  if (!existsSync(join(dir, 'config'))) {
    await mkdir(mirrors, { recursive: true });
    await withMirrorLock(dir, async () => {
      if (existsSync(join(dir, 'config'))) return;
      await git(['init', '--bare', '-q', dir]);
      await git(['remote', 'add', 'origin', repo], { cwd: dir });
    });
  }
  return dir;
}

/** The commit `ref` names, fetched into the mirror unless it is a commit the mirror has. */
async function fetchRef(dir: string, ref: string): Promise<string> {
  const isCommit = /^[0-9a-f]{40}$/.test(ref);
  if (isCommit) {
    const known = await git(['cat-file', '-t', ref], { cwd: dir }).catch(() => '');
    if (known === 'commit') return ref;
  }
  // Fetch every branch (so later diffs find their base) plus the ref itself.
  await git(['fetch', '-q', '--prune', 'origin', '+refs/heads/*:refs/heads/*', ...(isCommit ? [ref] : [])], { cwd: dir });
  return git(['rev-parse', '--verify', `${ref}^{commit}`], { cwd: dir });
}

/** A slot's own worktree at `commit`: reused (reset and cleaned, the dependency link kept) or made. */
async function checkOutSlot(mirror: string, slotDir: string, commit: string): Promise<string> {
  if (existsSync(join(slotDir, '.git'))) {
    // Back to exactly the commit: tracked files reset, anything else removed but the dependency link.
    await git(['checkout', '-q', '--detach', '--force', commit], { cwd: slotDir });
    await git(['clean', '-q', '-fdx', '-e', 'node_modules'], { cwd: slotDir });
  } else {
    await rm(slotDir, { recursive: true, force: true });
    await git(['worktree', 'prune'], { cwd: mirror });
    await git(['worktree', 'add', '-q', '--detach', slotDir, commit], { cwd: mirror });
  }
  return slotDir;
}

/** A new worktree of its own at `commit`, for one run. */
async function checkOutFresh(mirror: string, worktrees: string, name: string, commit: string): Promise<string> {
  const runDir = join(worktrees, `${name}-${commit.slice(0, 12)}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  await git(['worktree', 'add', '-q', '--detach', runDir, commit], { cwd: mirror });
  return runDir;
}

export function createSourceFetcher(options: SourceFetcherOptions): SourceFetcher {
  const mirrors = join(options.dir, 'mirrors');
  const worktrees = join(options.dir, 'worktrees');
  // One git fetch per mirror at a time; worktree bookkeeping is per mirror too.
  const locks = new Map<string, Promise<unknown>>();

  function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    locks.set(key, next.catch(() => undefined));
    return next;
  }

  /** Serial in this process, and under the mirror's lock against the other processes sharing the folder: for what writes to the mirror. */
  const exclusive = <T>(dir: string, fn: () => Promise<T>): Promise<T> => serial(dir, () => withMirrorLock(dir, fn));

  const mirror = (repo: string) => openMirror(mirrors, repo);

  return {
    async fetch(repo, ref, slot) {
      const dir = await mirror(repo);
      return exclusive(dir, async () => {
        const commit = await fetchRef(dir, ref);
        const tree = await git(['rev-parse', `${commit}^{tree}`], { cwd: dir });
        await mkdir(worktrees, { recursive: true });
        const checkout = slot ? await checkOutSlot(dir, join(worktrees, `${mirrorName(repo)}-slot-${createHash('sha256').update(slot).digest('hex').slice(0, 12)}`), commit) : await checkOutFresh(dir, worktrees, mirrorName(repo), commit);
        await options.dependencies?.link(checkout);
        return { repo, commit, dir: checkout, digest: `git-tree:${tree}`, ...(slot ? { slot } : {}) };
      });
    },
    async resolve(repo, ref) {
      // A name from a person or a forge reaches git only when git itself would accept it as a ref (never as an option).
      const problem = revisionProblem(ref);
      if (problem) throw new GitError(`ref ${JSON.stringify(ref.slice(0, 100))} ${problem}`, [], '');
      const dir = await mirror(repo);
      return exclusive(dir, () => fetchRef(dir, ref));
    },
    async release(artifact) {
      // A slot's checkout stays for the next run of its slot.
      if (artifact.slot) return;
      const dir = await mirror(artifact.repo);
      await exclusive(dir, async () => {
        await git(['worktree', 'remove', '--force', artifact.dir], { cwd: dir }).catch(() => undefined);
        await rm(artifact.dir, { recursive: true, force: true });
        await git(['worktree', 'prune'], { cwd: dir });
      });
    },
    async changedFiles(repo, from, to) {
      const dir = await mirror(repo);
      return serial(dir, async () => {
        const out = from
          ? await git(['diff', '--name-only', '--no-renames', from, to], { cwd: dir })
          : await git(['ls-tree', '-r', '--name-only', to], { cwd: dir });
        return out ? out.split('\n') : [];
      });
    },
    async listFiles(repo, commit) {
      const dir = await mirror(repo);
      const out = await git(['ls-tree', '-r', '--name-only', commit], { cwd: dir });
      return out ? out.split('\n') : [];
    },
    async readFile(repo, commit, path) {
      const dir = await mirror(repo);
      return git(['show', `${commit}:${path}`], { cwd: dir });
    },
    async isAncestor(repo, ancestor, commit) {
      const dir = await mirror(repo);
      return git(['merge-base', '--is-ancestor', ancestor, commit], { cwd: dir }).then(
        () => true,
        () => false,
      );
    },
    async mergeBase(repo, a, b) {
      const dir = await mirror(repo);
      return git(['merge-base', a, b], { cwd: dir }).catch(() => undefined);
    },
  };
}
