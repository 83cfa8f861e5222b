import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import { createStackRunner, type RunKind, type StackRunner } from '../../../orchestrator/engine/stack-runner.ts';
import { PROJECT_ROOT, resolveToolchain } from '../../../orchestrator/runtime/toolchain.ts';

/**
 * A commit's program is hostile input: it runs with whatever environment the
 * engine has. This program prints all of it, and the service's process holds
 * secrets it must never see.
 */
const SERVICE_SECRETS: Record<string, string> = {
  HOMEOSTAT_TOKEN: 'hs-token-6b1f0c2e9d',
  HOMEOSTAT_GITHUB_TOKEN: 'ghp_forge-token-77aa19',
  INFRA_WEBHOOK_SECRET: 'webhook-secret-3f9e51',
  HOMEOSTAT_REDIS_URL: 'redis://:redis-pass-0d4c@10.0.0.9:6379',
  AWS_SECRET_ACCESS_KEY: 'aws-undeclared-secret-5e8d',
};
const DECLARED = { PROBE_REGION_SETTING: 'declared-value-91c3' };

const PROGRAM = `
const env = { ...process.env };
console.log('ENGINE-ENV ' + JSON.stringify(env));
module.exports = { env };
`;

function probeProject(root: string): string {
  const dir = join(root, 'probe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Pulumi.yaml'), 'name: envprobe\nruntime: nodejs\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'envprobe', main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), PROGRAM);
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('engine: a program sees the allow-listed environment, never the service\'s', function () {
  this.timeout(180_000);
  let root: string;
  let runner: StackRunner;
  let workDir: string;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    for (const [k, v] of Object.entries({ ...SERVICE_SECRETS, ...DECLARED })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    root = mkdtempSync(join(tmpdir(), 'homeostat-engine-env-'));
    workDir = probeProject(root);
    const backendUrl = `file://${join(root, 'state')}`;
    mkdirSync(join(root, 'state'));
    const toolchain = resolveToolchain();
    runner = await createStackRunner({ pulumiDir: toolchain.pulumiDir, backendUrl, passphrase: 'engine-env-passphrase', policyPacks: [], plugins: { mode: 'off' }, env: toolchain.engineEnv });
  });

  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** What the program printed about its environment, and everything the run produced. */
  async function probe(kind: RunKind): Promise<{ env: Record<string, string>; everything: string }> {
    const events: EngineEvent[] = [];
    const result = await runner.run(kind, { workDir, stack: 'probe', passEnv: Object.keys(DECLARED) }, { onEvent: (e) => events.push(e) });
    assert.equal(result.ok, true, result.error);
    const line = events.map((e) => e.diagnosticEvent?.message ?? '').find((m) => m.includes('ENGINE-ENV '));
    assert.ok(line, 'the program printed its environment');
    const env = JSON.parse(line.slice(line.indexOf('ENGINE-ENV ') + 'ENGINE-ENV '.length).trim()) as Record<string, string>;
    return { env, everything: JSON.stringify({ events, result }) };
  }

  // preview goes through the Automation API (execa merges process.env unless sealed); apply spawns the CLI itself.
  for (const kind of ['preview', 'apply'] as const) {
    it(`${kind}: no service secret reaches the program; the declared variable and the engine settings do`, async () => {
      const { env, everything } = await probe(kind);
      for (const [name, value] of Object.entries(SERVICE_SECRETS)) {
        assert.equal(env[name], undefined, `${name} reached the program`);
        assert.ok(!everything.includes(value), `the value of ${name} appears in the run`);
      }
      assert.equal(env.PROBE_REGION_SETTING, DECLARED.PROBE_REGION_SETTING);
      assert.match(env.PULUMI_BACKEND_URL ?? '', /^file:\/\//);
      assert.equal(env.PULUMI_CONFIG_PASSPHRASE, 'engine-env-passphrase', 'inherent: the engine needs it, and the program shares its environment');
      assert.ok(env.PATH?.includes(resolveToolchain().pulumiDir), 'the toolchain\'s PATH');
      assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'true', 'pulumi.plugins off: no acquisition');
      // Nothing beyond the allow-list, the engine's own variables and the Node.js runtime's.
      const unexpected = Object.keys(env).filter((k) => !/^(PATH|HOME|USER|LOGNAME|TMPDIR|LANG|LC_ALL|LC_CTYPE|TZ|PROBE_REGION_SETTING|PULUMI_.*|NODE_.*)$/.test(k));
      assert.deepEqual(unexpected, []);
    });
  }
});
