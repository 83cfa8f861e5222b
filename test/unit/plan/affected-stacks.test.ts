import assert from 'node:assert/strict';
import { affectedStacks } from '../../../orchestrator/plan/affected-stacks.ts';
import { discoverProjects } from '../../../orchestrator/plan/project-layout.ts';

const FILES: Record<string, string> = {
  'Pulumi.yaml': 'name: infra\nruntime: nodejs\nmain: stacks/main.mjs\nstackConfigDir: stacks\n',
  'stacks/main.mjs': '',
  'stacks/index.ts': '',
  'stacks/sandbox/service-provider.ts': '',
  'stacks/Pulumi.sandbox.yaml': '',
  'stacks/Pulumi.web-prod.yaml': '',
  'package.json': '{}',
  'package-lock.json': '{}',
  'policies/pack.ts': '',
  'README.md': '',
  'docs/runbook.md': '',
  'services/billing/Pulumi.yaml': 'name: billing\nruntime:\n  name: nodejs\n',
  'services/billing/index.ts': '',
  'services/billing/Pulumi.dev.yaml': '',
  'services/billing/Pulumi.prod.yaml': '',
};
const projects = discoverProjects(Object.keys(FILES), (p) => FILES[p] ?? '');
const affected = (...files: string[]) => affectedStacks(projects, files, ['policies']).map((a) => `${a.project || '.'}:${a.stack}:${a.reason}`);

describe('plan: which stacks a change affects', () => {
  it('finds every project by its Pulumi.yaml, with its stacks', () => {
    assert.deepEqual(
      projects.map((p) => ({ dir: p.dir, name: p.name, programDir: p.programDir, stacks: p.stacks })),
      [
        { dir: '', name: 'infra', programDir: 'stacks', stacks: ['sandbox', 'web-prod'] },
        { dir: 'services/billing', name: 'billing', programDir: 'services/billing', stacks: ['dev', 'prod'] },
      ],
    );
  });

  const table: [string, string[], string[]][] = [
    ["a stack's config file affects that stack only", ['stacks/Pulumi.sandbox.yaml'], ['.:sandbox:stack-config']],
    ['the program affects every stack of its project', ['stacks/sandbox/service-provider.ts'], ['.:sandbox:program', '.:web-prod:program']],
    ['Pulumi.yaml affects every stack of its project', ['services/billing/Pulumi.yaml'], ['services/billing:dev:project-file', 'services/billing:prod:project-file']],
    ['the lock file affects every stack', ['package-lock.json'], ['.:sandbox:lock-file', '.:web-prod:lock-file']],
    ['a policy pack affects every stack it guards', ['policies/pack.ts'], ['.:sandbox:policy-pack', '.:web-prod:policy-pack', 'services/billing:dev:policy-pack', 'services/billing:prod:policy-pack']],
    ['unrelated files affect nothing', ['README.md', 'docs/runbook.md'], []],
    ['a file of another project does not leak', ['services/billing/index.ts'], ['services/billing:dev:program', 'services/billing:prod:program']],
    ['several changes give each stack once, with the first reason', ['stacks/Pulumi.sandbox.yaml', 'stacks/index.ts'], ['.:sandbox:stack-config', '.:web-prod:program']],
    ['no change, no run', [], []],
  ];
  for (const [title, files, expected] of table) {
    it(title, () => assert.deepEqual(affected(...files), expected));
  }

  it('names the file and the field of a bad Pulumi.yaml', () => {
    assert.throws(() => discoverProjects(['Pulumi.yaml'], () => 'runtime: nodejs\n'), /Pulumi\.yaml: name: /);
    assert.throws(() => discoverProjects(['Pulumi.yaml'], () => 'name: [unclosed'), /Pulumi\.yaml: not valid YAML/);
  });
});
