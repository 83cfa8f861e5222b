import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitWriter, ProposalMovedError, type GitWriter } from '../../../orchestrator/remediate/git-writer.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { createLocalRepo, type LocalRepo } from '../../../sandbox/local-repo.ts';
import { git } from '../../../orchestrator/source/git.ts';

const AUTHOR = { GIT_AUTHOR_NAME: 'M', GIT_AUTHOR_EMAIL: 'm@example.com', GIT_COMMITTER_NAME: 'M', GIT_COMMITTER_EMAIL: 'm@example.com' };

/**
 * The worker's merge of an approved proposal, with real git: it merges the
 * approved commit itself, and nothing at all when the branch is not that
 * commit any more (a push after the approval, before the worker got to it);
 * a merge that did not help is reverted like any other change.
 */
describe('remediation: an approval merges exactly the commit that was checked', function () {
  this.timeout(60_000);
  let dir: string;
  let repo: LocalRepo;
  let writer: GitWriter;
  let main: string;
  const ref = () => ({ id: 'infra', url: repo.remote });
  const remoteHead = (branch: string) => git(['rev-parse', `refs/heads/${branch}`], { cwd: repo.remote });

  /** A commit on `branch` (made on top of its current head, or of main), pushed; returns it. */
  async function pushTo(branch: string, file: string, text: string, from = main): Promise<string> {
    await git(['checkout', '-q', '-B', branch, from], { cwd: repo.workDir });
    writeFileSync(join(repo.workDir, file), text);
    await git(['add', '-A'], { cwd: repo.workDir });
    await git(['commit', '-qm', `${branch}: ${file}`], { cwd: repo.workDir, env: AUTHOR });
    await git(['push', '-qf', 'origin', `HEAD:refs/heads/${branch}`], { cwd: repo.workDir });
    const commit = await git(['rev-parse', 'HEAD'], { cwd: repo.workDir });
    await git(['checkout', '-q', 'main'], { cwd: repo.workDir });
    return commit;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-exact-merge-'));
    repo = await createLocalRepo(join(dir, 'git'), PROJECT_ROOT);
    main = await repo.commitAndPush('initial stacks');
    writer = createGitWriter({ dir: join(dir, 'clones'), bot: { name: 'Homeostat', email: 'homeostat@localhost' } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges the approved commit into the deploy branch', async () => {
    const checked = await pushTo('homeostat/rm-1', 'CHANGE.md', 'scale out\n');
    const merged = await writer.merge({ repo: ref(), deployBranch: 'main', branch: 'homeostat/rm-1', commit: checked, checked, message: 'Merge' });
    assert.equal(await remoteHead('main'), merged);
    assert.equal(await git(['rev-parse', `${merged}^2`], { cwd: repo.remote }), checked);
  });

  it('reverts a merged approval against the deploy branch (the merge\'s first parent): the change is gone, main\'s own history stays', async () => {
    const checked = await pushTo('homeostat/rm-4', 'CHANGE.md', 'scale out\n');
    const merged = await writer.merge({ repo: ref(), deployBranch: 'main', branch: 'homeostat/rm-4', commit: checked, checked, message: 'Merge' });
    const revert = await writer.revert({ repo: ref(), deployBranch: 'main', commit: merged, message: 'Revert the scale-out' });
    assert.equal(await remoteHead('main'), revert);
    assert.equal(await git(['rev-parse', `${revert}^`], { cwd: repo.remote }), merged, 'the revert is a commit on top of the merge');
    assert.equal(await git(['rev-parse', `${revert}^{tree}`], { cwd: repo.remote }), await git(['rev-parse', `${main}^{tree}`], { cwd: repo.remote }), 'main has its tree from before the merge');
  });

  it('refuses, merging nothing, when the branch moved after the approval', async () => {
    const checked = await pushTo('homeostat/rm-2', 'CHANGE.md', 'scale out\n');
    await pushTo('homeostat/rm-2', 'SNEAKY.md', 'unchecked\n', checked);
    await assert.rejects(writer.merge({ repo: ref(), deployBranch: 'main', branch: 'homeostat/rm-2', commit: checked, checked, message: 'Merge' }), (err: unknown) => {
      assert.ok(err instanceof ProposalMovedError, String(err));
      assert.match(err.message, /homeostat\/rm-2 is at [0-9a-f]{12}, not at [0-9a-f]{12}, the commit that was checked: nothing was merged/);
      return true;
    });
    assert.equal(await remoteHead('main'), main, 'the deploy branch is unchanged');
  });

  it('refuses a head whose tree is not the checked commit\'s (the message may differ, the content may not)', async () => {
    const checked = await pushTo('homeostat/rm-3', 'CHANGE.md', 'scale out\n');
    const other = await pushTo('homeostat/rm-3', 'CHANGE.md', 'scale out a lot\n');
    await assert.rejects(writer.verifyProposal({ repo: ref(), branch: 'homeostat/rm-3', commit: other, checked }), /does not carry the tree of/);
    assert.equal(await remoteHead('main'), main);
  });

  it('reads a file at a commit (the project\'s Pulumi.yaml, for its stackConfigDir), and says when there is none', async () => {
    assert.match((await writer.readFile(ref(), main, 'Pulumi.yaml')) ?? '', /^stackConfigDir: stacks$/m);
    assert.equal(await writer.readFile(ref(), main, 'no/such/Pulumi.yaml'), undefined);
  });
});
