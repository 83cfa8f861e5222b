import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneCompileCache } from '../../../orchestrator/build/prune-compile-cache.ts';

describe('build: the engines\' compile cache stays bounded', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-ncc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (folder: string, name: string, writtenSecondsAgo: number) => {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, name), 'x');
    const t = Date.now() / 1000 - writtenSecondsAgo;
    utimesSync(join(dir, folder, name), t, t);
  };

  it('keeps the entries written last and drops the folders of another Node version', async () => {
    for (let i = 0; i < 5; i++) entry('v24.19.0-x64-cf738c9d-0', `e${i}`, i * 10);
    entry('v22.1.0-x64-aaaaaaaa-0', 'old', 1);
    assert.equal(await pruneCompileCache(dir, 3, '24.19.0'), 3);
    assert.deepEqual(readdirSync(dir), ['v24.19.0-x64-cf738c9d-0']);
    assert.deepEqual(readdirSync(join(dir, 'v24.19.0-x64-cf738c9d-0')).sort(), ['e0', 'e1', 'e2']);
  });

  it('leaves a small cache, or none, as it is', async () => {
    assert.equal(await pruneCompileCache(join(dir, 'missing'), 3, '24.19.0'), 0);
    entry('v24.19.0-x64-cf738c9d-0', 'e0', 0);
    assert.equal(await pruneCompileCache(dir, 3, '24.19.0'), 0);
  });
});
