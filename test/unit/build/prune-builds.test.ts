import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneBuilds } from '../../../orchestrator/build/prune-builds.ts';

describe('build: the cache of program builds stays bounded', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-builds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const key = (n: number) => n.toString(16).padStart(32, '0');
  /** A build folder last used `n` minutes ago. */
  const build = (name: string, minutesAgo: number) => {
    mkdirSync(join(dir, name));
    const at = new Date(Date.now() - minutesAgo * 60_000);
    utimesSync(join(dir, name), at, at);
  };

  it('drops the builds used least recently beyond the number kept', async () => {
    for (let n = 1; n <= 5; n++) build(key(n), n);
    const gone = await pruneBuilds(dir, 3);
    assert.deepEqual(gone.sort(), [key(4), key(5)]);
    assert.deepEqual(readdirSync(dir).sort(), [key(1), key(2), key(3)]);
  });

  it('leaves the policy packs\' cache and scratch folders alone, and does nothing under the limit', async () => {
    build('policy', 100);
    build(`${key(9)}.tmp-123-abc`, 100);
    build(key(1), 1);
    build(key(2), 2);
    assert.deepEqual(await pruneBuilds(dir, 1), [key(2)]);
    assert.deepEqual(readdirSync(dir).sort(), [key(1), `${key(9)}.tmp-123-abc`, 'policy']);
    assert.deepEqual(await pruneBuilds(dir, 5), []);
  });

  it('answers an empty list for a cache folder not made yet', async () => {
    assert.deepEqual(await pruneBuilds(join(dir, 'absent')), []);
  });
});
