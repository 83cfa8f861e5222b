import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileStateVersion } from '../../../orchestrator/engine/file-backend-state.ts';

describe('engine: the state version of a stack on a file backend, read from its checkpoint', () => {
  let root: string;
  let backend: string;
  let project: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'homeostat-state-version-'));
    backend = pathToFileURL(join(root, 'state')).href;
    project = join(root, 'checkout');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'Pulumi.yaml'), 'name: infra\nruntime: nodejs\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const checkpoint = (text: string, file = 'dev.json', dir = join(root, 'state', '.pulumi', 'stacks', 'infra')) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), text);
  };

  it('stays the same while the checkpoint does, and changes when the checkpoint is written anew', async () => {
    checkpoint('{"version":3,"checkpoint":{"latest":{"resources":[]}}}');
    const first = await fileStateVersion(backend, project, 'dev');
    assert.match(first ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(await fileStateVersion(backend, project, 'dev'), first);
    checkpoint('{"version":3,"checkpoint":{"latest":{"resources":[{"urn":"x"}]}}}');
    assert.notEqual(await fileStateVersion(backend, project, 'dev'), first);
  });

  it('reads a gzipped checkpoint and the legacy flat layout too', async () => {
    checkpoint('gz bytes', 'dev.json.gz');
    assert.ok(await fileStateVersion(backend, project, 'dev'));
    rmSync(join(root, 'state'), { recursive: true });
    checkpoint('flat', 'dev.json', join(root, 'state', '.pulumi', 'stacks'));
    assert.ok(await fileStateVersion(backend, project, 'dev'));
  });

  it('leaves the engine to answer for another backend, a stack with no checkpoint yet, or a name that could leave the folder', async () => {
    checkpoint('{}');
    assert.equal(await fileStateVersion('s3://bucket/state', project, 'dev'), undefined);
    assert.equal(await fileStateVersion(backend, project, 'prod'), undefined);
    assert.equal(await fileStateVersion(backend, project, '../infra/dev'), undefined);
    writeFileSync(join(project, 'Pulumi.yaml'), 'name: ../../etc\nruntime: nodejs\n');
    assert.equal(await fileStateVersion(backend, project, 'dev'), undefined);
    writeFileSync(join(project, 'Pulumi.yaml'), 'name: [not, a, name\n');
    assert.equal(await fileStateVersion(backend, project, 'dev'), undefined);
  });
});
