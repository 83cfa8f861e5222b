import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSourceFetcher } from '../../../orchestrator/source/source-fetcher.ts';
import { git } from '../../../orchestrator/source/git.ts';

describe('source: mirrors and checkouts (real git)', () => {
  let dir: string;
  let remote: string;
  let work: string;
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  async function commit(file: string, text: string): Promise<string> {
    writeFileSync(join(work, file), text);
    await git(['add', '-A'], { cwd: work });
    await git(['commit', '-qm', `${file}: ${text}`], { cwd: work, env });
    await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });
    return git(['rev-parse', 'HEAD'], { cwd: work });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-source-'));
    remote = join(dir, 'remote.git');
    work = join(dir, 'work');
    await git(['init', '--bare', '-q', '-b', 'main', remote]);
    await git(['clone', '-q', remote, work]);
    await git(['checkout', '-q', '-b', 'main'], { cwd: work });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('checks a commit out with its tree digest, and tells which files changed', async () => {
    const a = await commit('a.txt', 'one');
    const b = await commit('b.txt', 'two');
    const fetcher = createSourceFetcher({ dir: join(dir, 'cache') });
    const art = await fetcher.fetch(remote, 'main');
    assert.equal(art.commit, b);
    assert.match(art.digest, /^git-tree:[0-9a-f]{40}$/);
    assert.equal(readFileSync(join(art.dir, 'b.txt'), 'utf8'), 'two');
    assert.deepEqual(await fetcher.changedFiles(remote, a, b), ['b.txt']);
    assert.equal(await fetcher.isAncestor(remote, a, b), true);
    assert.equal(await fetcher.isAncestor(remote, b, a), false);
    await fetcher.release(art);
    assert.equal(existsSync(art.dir), false, 'a plain checkout is removed on release');
  });

  it('reuses a slot\'s checkout, exactly at the new commit, keeping the dependency link', async () => {
    const a = await commit('a.txt', 'one');
    const fetcher = createSourceFetcher({ dir: join(dir, 'cache') });
    const first = await fetcher.fetch(remote, a, 'infra/./sandbox');
    writeFileSync(join(first.dir, 'stray.txt'), 'left by a run');
    writeFileSync(join(first.dir, 'a.txt'), 'edited by a run');
    mkdirSync(join(first.dir, 'node_modules'));
    await fetcher.release(first);
    assert.equal(existsSync(first.dir), true, 'a slot stays');

    const b = await commit('a.txt', 'two');
    const second = await fetcher.fetch(remote, b, 'infra/./sandbox');
    assert.equal(second.dir, first.dir);
    assert.equal(second.commit, b);
    assert.equal(readFileSync(join(second.dir, 'a.txt'), 'utf8'), 'two');
    assert.equal(existsSync(join(second.dir, 'stray.txt')), false);
    assert.equal(existsSync(join(second.dir, 'node_modules')), true);
    const other = await fetcher.fetch(remote, b, 'infra/./other');
    assert.notEqual(other.dir, second.dir, 'each slot has its own checkout');
  });

  it('several processes on one cache folder fetch and release checkouts side by side without tripping over git\'s worktree bookkeeping', async function () {
    this.timeout(180_000);
    const head = await commit('a.txt', 'one');
    const cache = join(dir, 'cache');
    const loop = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../support/fetch-loop.ts'), cache, remote, head, '25'], { cwd: join(import.meta.dirname, '../../..') }).then(
        (r) => r.stdout.trim(),
        (err: { stdout?: string; message: string }) => err.stdout?.trim() || err.message,
      );
    // Three processes at once, each mixing fresh checkouts (added, removed, pruned) with slots of its own.
    assert.deepEqual(await Promise.all([loop(), loop(), loop()]), ['ok 25', 'ok 25', 'ok 25']);
    const fetcher = createSourceFetcher({ dir: cache });
    const art = await fetcher.fetch(remote, head);
    assert.equal(readFileSync(join(art.dir, 'a.txt'), 'utf8'), 'one', 'the mirror is whole afterwards');
  });
});
