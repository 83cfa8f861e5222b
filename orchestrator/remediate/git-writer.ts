import type { Proposal } from '../../remediations/proposal.ts';
import { GitError } from '../source/git.ts';
import { checkoutClean, commitStaged, deleteRemoteBranch, fetchAll, mergeExactly, onDeployHead, openBotClone, pushCommit, stageProposal, stageRevert, verifyFetched, type BotClone } from './bot-clone.ts';

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

export { ProposalMovedError, StaleProposalError } from './proposal-errors.ts';

export function createGitWriter(options: GitWriterOptions): GitWriter {
  const queues = new Map<string, Promise<unknown>>();

  /** One operation at a time per repository clone. */
  function serial<T>(repo: RepoRef, work: (c: BotClone) => Promise<T>): Promise<T> {
    const prev = queues.get(repo.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(async () => work(await openBotClone(options.dir, repo, options.bot)));
    queues.set(repo.id, next);
    return next;
  }

  return {
    head: (repo, branch) =>
      serial(repo, async (c) => {
        await fetchAll(c);
        return c.run(['rev-parse', '--verify', `refs/remotes/origin/${branch}^{commit}`]);
      }),

    commitProposal: ({ repo, base, branch, proposal, message }) =>
      serial(repo, async (c) => {
        await fetchAll(c);
        await checkoutClean(c, base);
        await stageProposal(c, proposal, base);
        const commit = await commitStaged(c, message);
        if (!(await pushCommit(c, commit, branch))) throw new Error(`could not push branch ${branch}`);
        return commit;
      }),

    advance: ({ repo, branch, expected, commit }) => serial(repo, (c) => pushCommit(c, commit, branch, expected)),

    verifyProposal: ({ repo, branch, commit, checked }) =>
      serial(repo, async (c) => {
        await fetchAll(c);
        await verifyFetched(c, branch, commit, checked);
      }),

    merge: ({ repo, deployBranch, branch, commit, checked, message }) =>
      serial(repo, (c) =>
        onDeployHead(c, deployBranch, `merge ${branch}`, async () => {
          // Checked after each fetch: the branch must still be the approved commit.
          await verifyFetched(c, branch, commit, checked);
          await mergeExactly(c, { branch, commit, deployBranch, message });
        }),
      ),

    revert: ({ repo, deployBranch, commit, message }) =>
      serial(repo, (c) =>
        onDeployHead(c, deployBranch, `revert ${commit.slice(0, 12)}`, async () => {
          await stageRevert(c, commit, deployBranch);
          await commitStaged(c, message);
        }),
      ),

    deleteBranch: (repo, branch) => serial(repo, (c) => deleteRemoteBranch(c, branch)),

    isAncestor: (repo, ancestor, commit) =>
      serial(repo, async (c) => {
        await fetchAll(c);
        return c.run(['merge-base', '--is-ancestor', ancestor, commit]).then(
          () => true,
          () => false,
        );
      }),

    message: (repo, commit) => serial(repo, (c) => c.run(['log', '-1', '--format=%B', commit])),

    readFile: (repo, commit, path) =>
      serial(repo, async (c) => {
        await fetchAll(c);
        return c.run(['show', `${commit}:${path}`]).catch((err: unknown) => {
          if (err instanceof GitError) return undefined;
          throw err;
        });
      }),
  };
}
