import assert from 'node:assert/strict';
import { discoverProjects, stackConfigFileOf } from '../../../orchestrator/plan/project-layout.ts';

describe('plan: where a project keeps its stack config files', () => {
  it('follows Pulumi.yaml\'s stackConfigDir, in the root or in a project folder', () => {
    assert.equal(stackConfigFileOf('', 'name: infra\nruntime: nodejs\nstackConfigDir: stacks\n', 'sandbox'), 'stacks/Pulumi.sandbox.yaml');
    assert.equal(stackConfigFileOf('', 'name: infra\nruntime: nodejs\nstackConfigDir: config/envs\n', 'prod'), 'config/envs/Pulumi.prod.yaml');
    assert.equal(stackConfigFileOf('apps/web', 'name: web\nruntime: nodejs\nstackConfigDir: ./settings\n', 'prod'), 'apps/web/settings/Pulumi.prod.yaml');
  });

  it('without stackConfigDir, the files sit beside Pulumi.yaml, as Pulumi reads them', () => {
    assert.equal(stackConfigFileOf('', 'name: infra\nruntime: nodejs\n', 'sandbox'), 'Pulumi.sandbox.yaml');
    assert.equal(stackConfigFileOf('apps/web', 'name: web\nruntime: nodejs\n', 'prod'), 'apps/web/Pulumi.prod.yaml');
  });

  it('names the file when its YAML is not a project', () => {
    assert.throws(() => stackConfigFileOf('apps/web', 'runtime: nodejs\n', 'prod'), /^Error: apps\/web\/Pulumi.yaml: name: /);
  });

  it('finds stacks in a stackConfigDir other than stacks/', () => {
    const files = ['Pulumi.yaml', 'index.ts', 'envs/Pulumi.prod.yaml', 'envs/Pulumi.dev.yaml', 'stacks/Pulumi.old.yaml'];
    const [project] = discoverProjects(files, () => 'name: infra\nruntime: nodejs\nstackConfigDir: envs\n');
    assert.equal(project?.stackConfigDir, 'envs');
    assert.deepEqual(project?.stacks, ['dev', 'prod']);
  });
});
