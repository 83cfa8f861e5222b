import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createProgramBuilder } from '../../../orchestrator/build/program-build.ts';

describe('build: a compiled program keeps its dynamic imports lazy', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'homeostat-split-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /**
   * A program that picks its module by an argument, as ours picks a stack's
   * kind: the heavy module, and the package only it imports, are loaded when
   * that branch runs and not otherwise.
   */
  const project = () => {
    const sdk = join(root, 'node_modules', 'heavy-sdk');
    mkdirSync(sdk, { recursive: true });
    writeFileSync(join(sdk, 'package.json'), JSON.stringify({ name: 'heavy-sdk', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(sdk, 'index.js'), "globalThis.loaded = (globalThis.loaded ?? []).concat('heavy-sdk');\nexports.kind = 'heavy';\n");
    writeFileSync(join(root, 'Pulumi.yaml'), 'name: split\nruntime: nodejs\nmain: index.ts\n');
    writeFileSync(join(root, 'heavy.ts'), "import { kind } from 'heavy-sdk';\nexport const which: string = kind;\n");
    writeFileSync(join(root, 'light.ts'), "export const which: string = 'light';\n");
    writeFileSync(
      join(root, 'index.ts'),
      "const pick: string = process.argv[2] ?? 'light';\n" +
        "const { which } = pick === 'heavy' ? await import('./heavy.ts') : await import('./light.ts');\n" +
        "console.log(JSON.stringify({ which, loaded: (globalThis as { loaded?: string[] }).loaded ?? [] }));\n",
    );
  };

  it('loads a package that only a dynamically imported module uses when that import runs, and not before', async () => {
    project();
    const build = await createProgramBuilder({ dir: join(root, 'cache') }).prepare({ root, project: '', digest: 'git-tree:split-1' });
    assert.equal(build?.kind, 'compiled');
    const main = join(root, (parse(readFileSync(join(root, 'Pulumi.yaml'), 'utf8')) as { main: string }).main);
    const run = (pick: string) => JSON.parse(execFileSync(process.execPath, [main, pick], { encoding: 'utf8' })) as { which: string; loaded: string[] };
    assert.deepEqual(run('light'), { which: 'light', loaded: [] });
    assert.deepEqual(run('heavy'), { which: 'heavy', loaded: ['heavy-sdk'] });
  });
});
