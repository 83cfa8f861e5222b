import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programEntry } from '../../../orchestrator/build/program-build.ts';

describe('build: the entry the engine would run', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-entry-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (path: string, text = '') => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  it('is Pulumi.yaml\'s main when it names a file', async () => {
    file('stacks/main.mjs');
    assert.equal(await programEntry(dir, 'stacks/main.mjs'), 'stacks/main.mjs');
  });

  it('is the index of a folder that main names, TypeScript first', async () => {
    file('app/index.ts');
    file('app/index.js');
    assert.equal(await programEntry(dir, 'app'), join('app', 'index.ts'));
  });

  it('without main: package.json\'s main, then index.ts, then index.js', async () => {
    file('index.js');
    assert.equal(await programEntry(dir, undefined), 'index.js');
    file('index.ts');
    assert.equal(await programEntry(dir, undefined), 'index.ts');
    file('package.json', JSON.stringify({ main: 'src/run.js' }));
    file('src/run.js');
    assert.equal(await programEntry(dir, undefined), 'src/run.js');
  });

  it('is undefined when the named file is not there (the engine then says so itself)', async () => {
    assert.equal(await programEntry(dir, 'gone.ts'), undefined);
  });
});
