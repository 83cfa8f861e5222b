import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalWorkspace } from '@pulumi/pulumi/automation/index.js';
import { pluginEnvVars } from '../../../orchestrator/engine/engine-env.ts';
import { spawnEngine } from '../../../orchestrator/engine/engine-process.ts';
import { applyStack, previewStack } from '../../../orchestrator/engine/stack-runner.ts';
import { PROJECT_ROOT, resolveToolchain } from '../../../orchestrator/runtime/toolchain.ts';

const run = promisify(execFile);

const PROGRAM = `const pulumi = require('@pulumi/pulumi');
exports.value = new pulumi.Config().require('value');
`;

/**
 * An apply runs `pulumi up --stack` without selecting the stack first (one
 * engine process less before every apply); only a first apply, which the
 * engine refuses for want of a stack, creates the stack and runs again. The
 * real engine on a file backend; `open` (the Automation API's select-or-create)
 * is counted.
 */
describe('engine: a preview or an apply starts no stack select before it', function () {
  this.timeout(300_000);
  const toolchain = resolveToolchain();
  let dir: string;
  let env: Record<string, string>;
  let opens: number;
  const pulumi = (args: string[]) => run(join(toolchain.pulumiDir, 'pulumi'), args, { cwd: dir, env });
  const access = () => ({
    open: async () => {
      opens++;
      return LocalWorkspace.createOrSelectStack({ workDir: dir, stackName: 'probe' }, { envVars: env, secretsProvider: 'passphrase' });
    },
    start: () => (args: string[], extra: Record<string, string> = {}) => spawnEngine(join(toolchain.pulumiDir, 'pulumi'), args, dir, { ...env, ...extra }),
  });
  const apply = async () => {
    const kinds: string[] = [];
    await applyStack(access(), { workDir: dir, stack: 'probe' }, { stack: 'probe', policyPacks: [], policyPackConfigs: [], onEvent: (e) => { if (e.summaryEvent) kinds.push(JSON.stringify(e.summaryEvent.resourceChanges)); } });
    return kinds;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-apply-stack-'));
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'Pulumi.yaml'), 'name: applyprobe\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n');
    writeFileSync(join(dir, 'package.json'), '{ "name": "applyprobe", "private": true }\n');
    writeFileSync(join(dir, 'index.js'), PROGRAM);
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    env = {
      ...(process.env as Record<string, string>),
      ...toolchain.engineEnv,
      ...pluginEnvVars({ mode: 'off' }),
      PULUMI_BACKEND_URL: `file://${join(dir, 'state')}`,
      PULUMI_CONFIG_PASSPHRASE: 'apply-stack-test',
      PULUMI_HOME: join(dir, 'home'),
      PULUMI_SKIP_UPDATE_CHECK: 'true',
    };
    writeFileSync(join(dir, 'Pulumi.probe.yaml'), 'config:\n  applyprobe:value: first\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the stack on a first apply, once, and applies', async () => {
    opens = 0;
    const summaries = await apply();
    assert.equal(opens, 1, 'the stack was created once, after the engine found none');
    // Its preview and its update (one engine process), each summarised once: the refused first try ran nothing.
    assert.equal(summaries.length, 2, summaries.join(' | '));
    assert.equal((await pulumi(['stack', 'output', 'value', '--stack', 'probe'])).stdout.trim(), 'first');
  });

  it('applies to an existing stack without selecting it first', async () => {
    writeFileSync(join(dir, 'Pulumi.probe.yaml'), 'config:\n  applyprobe:value: second\n');
    opens = 0;
    await apply();
    assert.equal(opens, 0, 'no stack select before the update');
    assert.equal((await pulumi(['stack', 'output', 'value', '--stack', 'probe'])).stdout.trim(), 'second');
  });

  it('previews an existing stack without selecting it first, saving its plan', async () => {
    writeFileSync(join(dir, 'Pulumi.probe.yaml'), 'config:\n  applyprobe:value: third\n');
    opens = 0;
    const plan = join(dir, 'plan.json');
    const seen: string[] = [];
    await previewStack(access(), { workDir: dir, stack: 'probe' }, { stack: 'probe', policyPacks: [], policyPackConfigs: [], savePlan: plan, onEvent: (e) => { if (e.summaryEvent) seen.push(JSON.stringify(e.summaryEvent.resourceChanges)); } });
    assert.equal(opens, 0, 'no stack select before the preview');
    assert.equal(seen.length, 1, 'one preview, summarised');
    assert.match(readFileSync(plan, 'utf8'), /"resourcePlans"|"resources"/, 'the engine saved the preview\'s plan');
    assert.equal((await pulumi(['stack', 'output', 'value', '--stack', 'probe'])).stdout.trim(), 'second', 'a preview changes nothing');
  });

  it('does not mistake another failure for a missing stack', async () => {
    writeFileSync(join(dir, 'index.js'), "throw new Error('broken program');\n");
    opens = 0;
    await assert.rejects(apply(), /broken program|exited with code/);
    assert.equal(opens, 0, 'a failed program is not retried as a first apply');
    writeFileSync(join(dir, 'index.js'), PROGRAM);
  });
});
