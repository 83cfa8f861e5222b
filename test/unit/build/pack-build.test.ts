import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPackBuilder } from '../../../orchestrator/build/pack-build.ts';

describe('build: TypeScript policy packs', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'homeostat-packs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A small TypeScript pack in its own folder; the same text gives the same content. */
  const pack = (name: string, rule = 'max-size') => {
    const folder = join(root, name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'PulumiPolicy.yaml'), 'runtime: nodejs\n');
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'pack', version: '1.0.0', main: 'pack.ts' }));
    writeFileSync(join(folder, 'pack.ts'), `const rule: string = '${rule}';\nexport default rule;\n`);
    return folder;
  };

  it('compiles two packs of the same content, prepared side by side, once, and gives each its own built folder', async () => {
    let compiles = 0;
    const builder = createPackBuilder({ dir: join(root, 'cache'), onCompiled: () => compiles++ });
    const pinned = pack('pinned');
    const own = pack('checkout/policies');
    const [a, b] = await Promise.all([builder.prepare(pinned), builder.prepare(own)]);
    assert.equal(compiles, 1);
    assert.equal(a?.key, b?.key);
    assert.deepEqual([a?.reused, b?.reused].sort(), [false, true]);
    assert.ok(a?.folder.startsWith(pinned) && existsSync(join(a.folder, 'index.cjs')));
    assert.ok(b?.folder.startsWith(own) && existsSync(join(b.folder, 'index.cjs')));
  });

  it('compiles a pack of other content again', async () => {
    let compiles = 0;
    const builder = createPackBuilder({ dir: join(root, 'cache'), onCompiled: () => compiles++ });
    await builder.prepare(pack('one'));
    await builder.prepare(pack('two', 'min-size'));
    assert.equal(compiles, 2);
  });
});
