import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyConfigPatch } from '../../remediations/yaml-patch.ts';
import type { Proposal } from '../../remediations/proposal.ts';
import { git, GitError } from '../source/git.ts';

/**
 * The one place where Homeostat writes to Git: a working clone per watched
 * repository, in which a proposal becomes a commit on a branch, a branch is
 * pushed, fast-forwarded onto the deploy branch, merged, reverted or
 * deleted. Pushes are compare-and-set on the remote: when the deploy branch
 * moved meanwhile, the push is refused and the caller starts again from the
 * new head, so two changes never overwrite each other.
 *
 * Operations on one repository are serialised within the process; each
 * process has its own clone (under its data folder).
 */
export interface GitWriterOptions {
  /** Folder of the working clones. */
  dir: string;
  /** Author and committer of every commit. */
  bot: { name: string; email: string };
}

export interface RepoRef {
  id: string;
  url: string;
}

export interface GitWriter {
  /** The deploy branch's head on the remote, fetched now. */
  head(repo: RepoRef, branch: string): Promise<string>;
  /** Makes the proposal's commit on top of `base` (the deploy branch's head) and pushes it to `branch`. */
  commitProposal(input: { repo: RepoRef; base: string; branch: string; proposal: Proposal; message: string }): Promise<string>;
  /** Moves `branch` on the remote from `expected` to `commit` (a fast-forward); false when it had moved on. */
  advance(input: { repo: RepoRef; branch: string; expected: string; commit: string }): Promise<boolean>;
  /**
   * Merges exactly `commit`, the head of `branch` a person approved, into the
   * deploy branch with a merge commit and pushes it; returns the merge commit.
   * Throws {@link ProposalMovedError}, merging nothing, when `branch` no
   * longer points at `commit`, or when `commit`'s tree is not `checked`'s
   * (the commit whose policy check passed).
   */
  merge(input: { repo: RepoRef; deployBranch: string; branch: string; commit: string; checked?: string; message: string }): Promise<string>;
  /**
   * Throws {@link ProposalMovedError} unless `branch` on the remote is
   * `commit` and carries the tree of `checked`: what would be merged is what
   * the policy check saw.
   */
  verifyProposal(input: { repo: RepoRef; branch: string; commit: string; checked?: string }): Promise<void>;
  /** Reverts `commit` on top of the deploy branch and pushes it; returns the revert commit. */
  revert(input: { repo: RepoRef; deployBranch: string; commit: string; message: string }): Promise<string>;
  deleteBranch(repo: RepoRef, branch: string): Promise<void>;
  /** Whether `ancestor` is `commit` or one of its ancestors (both fetched). */
  isAncestor(repo: RepoRef, ancestor: string, commit: string): Promise<boolean>;
  /** The full message of a commit. */
  message(repo: RepoRef, commit: string): Promise<string>;
  /** A file's text at a commit (fetched), or undefined when the commit has no such file. */
  readFile(repo: RepoRef, commit: string, path: string): Promise<string | undefined>;
}

export class StaleProposalError extends Error {
  override readonly name = 'StaleProposalError';
}

/**
 * A proposal's branch is not (any more) the commit that passed the policy
 * check: someone pushed to it, or rewrote it. Nothing is merged; the change
 * needs a new check.
 */
export class ProposalMovedError extends Error {
  override readonly name = 'ProposalMovedError';
}

export function createGitWriter(options: GitWriterOptions): GitWriter {
  const queues = new Map<string, Promise<unknown>>();
  const env = {
    GIT_AUTHOR_NAME: options.bot.name,
    GIT_AUTHOR_EMAIL: options.bot.email,
    GIT_COMMITTER_NAME: options.bot.name,
    GIT_COMMITTER_EMAIL: options.bot.email,
  };

  /** One operation at a time per repository clone. */
  function serial<T>(repo: RepoRef, work: (dir: string) => Promise<T>): Promise<T> {
    const prev = queues.get(repo.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(async () => work(await clone(repo)));
    queues.set(repo.id, next);
    return next;
  }

  async function clone(repo: RepoRef): Promise<string> {
    const dir = join(options.dir, repo.id.replace(/[^A-Za-z0-9_.-]/g, '_'));
    if (!existsSync(join(dir, '.git'))) {
      await mkdir(dir, { recursive: true });
      await git(['init', '-q', dir]);
      await git(['remote', 'add', 'origin', repo.url], { cwd: dir });
    }
    return dir;
  }

  const run = (dir: string, args: string[]) => git(args, { cwd: dir, env });

  async function fetch(dir: string): Promise<void> {
    await run(dir, ['fetch', '-q', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
  }

  async function checkout(dir: string, commit: string): Promise<void> {
    await run(dir, ['checkout', '-q', '--detach', '--force', commit]);
    await run(dir, ['clean', '-q', '-fdx']);
  }

  /** Pushes `commit` to `branch`: only from `expected` when given, else replacing whatever is there (our own branches). */
  async function push(dir: string, commit: string, branch: string, expected?: string): Promise<boolean> {
    const lease = expected === undefined ? ['--force'] : [`--force-with-lease=refs/heads/${branch}:${expected}`];
    try {
      await run(dir, ['push', '-q', ...lease, 'origin', `${commit}:refs/heads/${branch}`]);
      return true;
    } catch (err) {
      if (err instanceof GitError && /rejected|stale info|non-fast-forward|fetch first/i.test(err.stderr)) return false;
      throw err;
    }
  }

  /** See {@link GitWriter.verifyProposal}; the clone has just been fetched. */
  async function verifyFetched(dir: string, branch: string, commit: string, checked?: string): Promise<void> {
    const head = await run(dir, ['rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}^{commit}`]).catch(() => undefined);
    if (head !== commit) {
      throw new ProposalMovedError(`${branch} is ${head ? `at ${head.slice(0, 12)}` : 'gone'}, not at ${commit.slice(0, 12)}, the commit that was checked: nothing was merged; the proposal needs a new policy check`);
    }
    if (checked && checked !== commit) {
      const [mine, theirs] = [await run(dir, ['rev-parse', `${commit}^{tree}`]), await run(dir, ['rev-parse', `${checked}^{tree}`]).catch(() => undefined)];
      if (mine !== theirs) throw new ProposalMovedError(`${commit.slice(0, 12)} on ${branch} does not carry the tree of ${checked.slice(0, 12)}, the commit that passed the policy check: nothing was merged`);
    }
  }

  /**
   * Makes a commit on top of the deploy branch's head and pushes it there,
   * only if the head is still the one it was made on; when someone pushed
   * in between, fetches and makes it again (a few times).
   */
  async function onDeployHead(dir: string, deployBranch: string, what: string, make: () => Promise<void>): Promise<string> {
    for (let tries = 0; tries < 5; tries++) {
      await fetch(dir);
      const head = await run(dir, ['rev-parse', `refs/remotes/origin/${deployBranch}`]);
      await checkout(dir, head);
      await make();
      const commit = await run(dir, ['rev-parse', 'HEAD']);
      if (await push(dir, commit, deployBranch, head)) return commit;
    }
    throw new Error(`${deployBranch} kept moving; could not ${what}`);
  }

  return {
    head: (repo, branch) =>
      serial(repo, async (dir) => {
        await fetch(dir);
        return run(dir, ['rev-parse', '--verify', `refs/remotes/origin/${branch}^{commit}`]);
      }),

    commitProposal: ({ repo, base, branch, proposal, message }) =>
      serial(repo, async (dir) => {
        await fetch(dir);
        await checkout(dir, base);
        if (proposal.kind === 'config-patch') {
          const file = join(dir, proposal.file);
          let text: string;
          try {
            text = await readFile(file, 'utf8');
          } catch {
            throw new StaleProposalError(`${proposal.file} does not exist at ${base.slice(0, 12)}`);
          }
          let patched: string;
          try {
            patched = applyConfigPatch(text, proposal);
          } catch (err) {
            throw new StaleProposalError(`${proposal.file} at ${base.slice(0, 12)}: ${(err as Error).message}`);
          }
          await writeFile(file, patched);
          await run(dir, ['add', '--', proposal.file]);
        } else {
          try {
            await run(dir, ['revert', '--no-commit', proposal.commit]);
          } catch (err) {
            await run(dir, ['revert', '--abort']).catch(() => undefined);
            throw new StaleProposalError(`cannot revert ${proposal.commit.slice(0, 12)} on ${base.slice(0, 12)}: ${(err as Error).message}`);
          }
        }
        await run(dir, ['commit', '-q', '--no-verify', '-m', message]);
        const commit = await run(dir, ['rev-parse', 'HEAD']);
        if (!(await push(dir, commit, branch))) throw new Error(`could not push branch ${branch}`);
        return commit;
      }),

    advance: ({ repo, branch, expected, commit }) => serial(repo, (dir) => push(dir, commit, branch, expected)),

    verifyProposal: ({ repo, branch, commit, checked }) =>
      serial(repo, async (dir) => {
        await fetch(dir);
        await verifyFetched(dir, branch, commit, checked);
      }),

    merge: ({ repo, deployBranch, branch, commit, checked, message }) =>
      serial(repo, (dir) =>
        onDeployHead(dir, deployBranch, `merge ${branch}`, async () => {
          // Checked after each fetch: the branch must still be the approved commit.
          await verifyFetched(dir, branch, commit, checked);
          try {
            // The commit itself, never the branch name: a push to the branch after this check changes nothing merged.
            await run(dir, ['merge', '-q', '--no-ff', '--no-verify', '-m', message, commit]);
          } catch (err) {
            await run(dir, ['merge', '--abort']).catch(() => undefined);
            throw new StaleProposalError(`${branch} does not merge cleanly into ${deployBranch}: ${(err as Error).message}`);
          }
        }),
      ),

    revert: ({ repo, deployBranch, commit, message }) =>
      serial(repo, (dir) =>
        onDeployHead(dir, deployBranch, `revert ${commit.slice(0, 12)}`, async () => {
          try {
            await run(dir, ['revert', '--no-commit', commit]);
          } catch (err) {
            await run(dir, ['revert', '--abort']).catch(() => undefined);
            throw new StaleProposalError(`cannot revert ${commit.slice(0, 12)} on ${deployBranch}: ${(err as Error).message}`);
          }
          await run(dir, ['commit', '-q', '--no-verify', '-m', message]);
        }),
      ),

    deleteBranch: (repo, branch) =>
      serial(repo, async (dir) => {
        await run(dir, ['push', '-q', 'origin', '--delete', branch]).catch((err: unknown) => {
          // Already gone is what we wanted.
          if (!(err instanceof GitError && /remote ref does not exist|unable to delete/i.test(err.stderr))) throw err;
        });
      }),

    isAncestor: (repo, ancestor, commit) =>
      serial(repo, async (dir) => {
        await fetch(dir);
        return run(dir, ['merge-base', '--is-ancestor', ancestor, commit]).then(
          () => true,
          () => false,
        );
      }),

    message: (repo, commit) => serial(repo, (dir) => run(dir, ['log', '-1', '--format=%B', commit])),

    readFile: (repo, commit, path) =>
      serial(repo, async (dir) => {
        await fetch(dir);
        return run(dir, ['show', `${commit}:${path}`]).catch((err: unknown) => {
          if (err instanceof GitError) return undefined;
          throw err;
        });
      }),
  };
}
