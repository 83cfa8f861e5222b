import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Proposal } from '../../remediations/proposal.ts';
import { applyConfigPatch } from '../../remediations/yaml-patch.ts';
import { git, GitError } from '../source/git.ts';
import { ProposalMovedError, StaleProposalError } from './proposal-errors.ts';

/**
 * The Git operations of the writer's working clone of one repository, each
 * a small function of the clone: fetch, check out, push with a lease,
 * verify a proposal's branch, apply a proposal, and the retry loop that
 * lands a commit on the deploy branch's moving head.
 */
export interface BotClone {
  dir: string;
  /** git in the clone, as the bot (author and committer). */
  run(args: string[]): Promise<string>;
}

/** The clone of `repo` under `root`, made (empty, with its remote) the first time. */
export async function openBotClone(root: string, repo: { id: string; url: string }, bot: { name: string; email: string }): Promise<BotClone> {
  const dir = join(root, repo.id.replace(/[^A-Za-z0-9_.-]/g, '_'));
  if (!existsSync(join(dir, '.git'))) {
    await mkdir(dir, { recursive: true });
    await git(['init', '-q', dir]);
    await git(['remote', 'add', 'origin', repo.url], { cwd: dir });
  }
  const env = { GIT_AUTHOR_NAME: bot.name, GIT_AUTHOR_EMAIL: bot.email, GIT_COMMITTER_NAME: bot.name, GIT_COMMITTER_EMAIL: bot.email };
  return { dir, run: (args) => git(args, { cwd: dir, env }) };
}

export async function fetchAll(c: BotClone): Promise<void> {
  await c.run(['fetch', '-q', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
}

export async function checkoutClean(c: BotClone, commit: string): Promise<void> {
  await c.run(['checkout', '-q', '--detach', '--force', commit]);
  await c.run(['clean', '-q', '-fdx']);
}

/** Pushes `commit` to `branch`: only from `expected` when given, else replacing whatever is there (our own branches). */
export async function pushCommit(c: BotClone, commit: string, branch: string, expected?: string): Promise<boolean> {
  const lease = expected === undefined ? ['--force'] : [`--force-with-lease=refs/heads/${branch}:${expected}`];
  try {
    await c.run(['push', '-q', ...lease, 'origin', `${commit}:refs/heads/${branch}`]);
    return true;
  } catch (err) {
    if (err instanceof GitError && /rejected|stale info|non-fast-forward|fetch first/i.test(err.stderr)) return false;
    throw err;
  }
}

/** Commits what is staged and returns the new commit. */
export async function commitStaged(c: BotClone, message: string): Promise<string> {
  await c.run(['commit', '-q', '--no-verify', '-m', message]);
  return c.run(['rev-parse', 'HEAD']);
}

/** Throws {@link ProposalMovedError} unless the fetched `branch` is `commit` and carries `checked`'s tree. */
export async function verifyFetched(c: BotClone, branch: string, commit: string, checked?: string): Promise<void> {
  const head = await c.run(['rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}^{commit}`]).catch(() => undefined);
  if (head !== commit) {
    throw new ProposalMovedError(`${branch} is ${head ? `at ${head.slice(0, 12)}` : 'gone'}, not at ${commit.slice(0, 12)}, the commit that was checked: nothing was merged; the proposal needs a new policy check`);
  }
  if (checked && checked !== commit) {
    const [mine, theirs] = [await c.run(['rev-parse', `${commit}^{tree}`]), await c.run(['rev-parse', `${checked}^{tree}`]).catch(() => undefined)];
    if (mine !== theirs) throw new ProposalMovedError(`${commit.slice(0, 12)} on ${branch} does not carry the tree of ${checked.slice(0, 12)}, the commit that passed the policy check: nothing was merged`);
  }
}

/** Stages the revert of `commit` on the checked-out `onto`; a conflict leaves the clone clean and throws {@link StaleProposalError}. */
export async function stageRevert(c: BotClone, commit: string, onto: string): Promise<void> {
  try {
    // A merge (an approved review is merged in) is undone against its first parent, the deploy branch it was merged into.
    const parents = (await c.run(['rev-list', '--parents', '-n', '1', commit])).trim().split(/\s+/).length - 1;
    await c.run(['revert', '--no-commit', ...(parents > 1 ? ['-m', '1'] : []), commit]);
  } catch (err) {
    await c.run(['revert', '--abort']).catch(() => undefined);
    throw new StaleProposalError(`cannot revert ${commit.slice(0, 12)} on ${onto}: ${(err as Error).message}`);
  }
}

/** Stages the proposal on the checked-out `base`: its config patch, or the revert it asks for. */
export async function stageProposal(c: BotClone, proposal: Proposal, base: string): Promise<void> {
  if (proposal.kind !== 'config-patch') return stageRevert(c, proposal.commit, base.slice(0, 12));
  const file = join(c.dir, proposal.file);
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
  await c.run(['add', '--', proposal.file]);
}

/** Merges exactly `commit` (never the branch name: a push to the branch after the check changes nothing merged). */
export async function mergeExactly(c: BotClone, m: { branch: string; commit: string; deployBranch: string; message: string }): Promise<void> {
  try {
    await c.run(['merge', '-q', '--no-ff', '--no-verify', '-m', m.message, m.commit]);
  } catch (err) {
    await c.run(['merge', '--abort']).catch(() => undefined);
    throw new StaleProposalError(`${m.branch} does not merge cleanly into ${m.deployBranch}: ${(err as Error).message}`);
  }
}

/** Deletes `branch` on the remote; one already gone is what was wanted. */
export async function deleteRemoteBranch(c: BotClone, branch: string): Promise<void> {
  await c.run(['push', '-q', 'origin', '--delete', branch]).catch((err: unknown) => {
    if (!(err instanceof GitError && /remote ref does not exist|unable to delete/i.test(err.stderr))) throw err;
  });
}

/**
 * Makes a commit on top of the deploy branch's head and pushes it there,
 * only if the head is still the one it was made on; when someone pushed
 * in between, fetches and makes it again (a few times).
 */
export async function onDeployHead(c: BotClone, deployBranch: string, what: string, make: () => Promise<void>): Promise<string> {
  for (let tries = 0; tries < 5; tries++) {
    await fetchAll(c);
    const head = await c.run(['rev-parse', `refs/remotes/origin/${deployBranch}`]);
    await checkoutClean(c, head);
    await make();
    const commit = await c.run(['rev-parse', 'HEAD']);
    if (await pushCommit(c, commit, deployBranch, head)) return commit;
  }
  throw new Error(`${deployBranch} kept moving; could not ${what}`);
}
