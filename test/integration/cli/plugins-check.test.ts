import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { PluginsReport } from '../../../orchestrator/plan/plugin-check.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { git } from '../../../orchestrator/source/git.ts';

const run = promisify(execFile);
const BIN = join(PROJECT_ROOT, 'orchestrator/cli/bin.mjs');
const PASSPHRASE = 'plugins-check-passphrase-0123';

/** `homeostat …` as a person runs it: its own process, its exit code and output. */
async function homeostat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, TEST_PASSPHRASE: PASSPHRASE }, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * A repository with one project whose program imports @pulumi/aws (the
 * version the project pins, 7.48.0), and the project's own package.json and
 * lock file, so that its dependencies are the installed ones.
 */
async function awsRepo(dir: string): Promise<string> {
  const remote = join(dir, 'remote.git');
  const work = join(dir, 'work');
  await git(['init', '--bare', '-q', '-b', 'main', remote]);
  await git(['clone', '-q', remote, work]);
  await git(['checkout', '-q', '-b', 'main'], { cwd: work });
  for (const f of ['package.json', 'package-lock.json']) await cp(join(PROJECT_ROOT, f), join(work, f));
  await mkdir(join(work, 'bucket'));
  writeFileSync(join(work, 'bucket', 'Pulumi.yaml'), 'name: bucket\nruntime: nodejs\nmain: index.mjs\n');
  writeFileSync(join(work, 'bucket', 'Pulumi.dev.yaml'), 'config:\n  aws:region: eu-west-1\n');
  writeFileSync(join(work, 'bucket', 'index.mjs'), "import * as aws from '@pulumi/aws';\n\nexport const bucket = new aws.s3.Bucket('logs').id;\n");
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  await git(['add', '-A'], { cwd: work });
  await git(['commit', '-q', '-m', 'a bucket'], { cwd: work, env });
  await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });
  return remote;
}

describe('cli: homeostat plugins check asks the real engine what each stack needs', function () {
  this.timeout(600_000);
  let dir: string;
  let remote: string;
  let pluginDir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-plugins-check-'));
    remote = await awsRepo(join(dir, 'git'));
    pluginDir = join(dir, 'airgap', 'pulumi-home', 'plugins');
    mkdirSync(pluginDir, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function writeConfig(plugins: unknown, more: { id: string; url: string }[] = []): string {
    const file = join(dir, 'homeostat.yaml');
    writeFileSync(
      file,
      stringify({
        dataDir: join(dir, 'data'),
        pulumi: { backendUrl: `file://${join(dir, 'state')}`, passphrase: { env: 'TEST_PASSPHRASE' }, plugins },
        repositories: [{ id: 'infra', url: remote }, ...more],
      }),
    );
    return file;
  }

  it('reports the aws plugin at its version missing from an empty preinstalled folder, exit 1, in JSON', async () => {
    const out = await homeostat(['--json', 'plugins', 'check', '-c', writeConfig({ mode: 'preinstalled', dir: pluginDir })]);
    assert.equal(out.code, 1, out.stderr);
    const report = JSON.parse(out.stdout) as PluginsReport;
    assert.equal(report.mode, 'preinstalled');
    assert.equal(report.folder, pluginDir);
    assert.equal(report.ok, false);
    assert.deepEqual(report.stacks.map((s) => s.stack), ['infra/bucket/dev']);
    const stack = report.stacks[0]!;
    assert.equal(stack.error, undefined);
    assert.deepEqual(stack.plugins.find((p) => p.name === 'aws'), { name: 'aws', kind: 'resource', version: '7.48.0', present: false });
    // The engine finds its bundled language host (beside pulumi): the one present plugin here, found for real.
    assert.deepEqual(stack.plugins.find((p) => p.kind === 'language'), { name: 'nodejs', kind: 'language', version: '3.276.0', present: true });
    assert.ok(report.missing.some((m) => m.name === 'aws' && m.version === '7.48.0'), JSON.stringify(report.missing));
    assert.ok(!out.stdout.includes(PASSPHRASE) && !out.stderr.includes(PASSPHRASE), 'the passphrase is never printed');
  });

  it('says the same as a table for a person', async () => {
    const out = await homeostat(['plugins', 'check', '-c', writeConfig({ mode: 'preinstalled', dir: pluginDir })]);
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stdout, new RegExp(`^plugins: preinstalled, folder ${pluginDir}$`, 'm'));
    assert.match(out.stdout, /^infra\/bucket\/dev\s+resource\s+aws\s+7\.48\.0\s+MISSING$/m);
    assert.match(out.stdout, /^missing: .*resource aws 7\.48\.0/m);
  });

  it('off: the same answer from the engine home beside the state; an unreachable repository is named and fails the check', async () => {
    const out = await homeostat(['--json', 'plugins', 'check', '-c', writeConfig('off', [{ id: 'gone', url: join(dir, 'nowhere.git') }])]);
    assert.equal(out.code, 1, out.stderr);
    const report = JSON.parse(out.stdout) as PluginsReport;
    assert.equal(report.folder, join(dir, 'pulumi-home', 'plugins'));
    assert.equal(report.stacks.find((s) => s.stack === 'infra/bucket/dev')?.plugins.find((p) => p.name === 'aws')?.present, false);
    assert.match(report.stacks.find((s) => s.stack === 'gone/*')?.error ?? '', /^cannot read main: /);
  });

  it('refuses a bad plugins setting before asking anything, naming the field', async () => {
    const out = await homeostat(['plugins', 'check', '-c', writeConfig({ mode: 'preinstalled', dir: join(dir, 'provider-binaries') })]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /pulumi\.plugins\.dir: the engine reads plugins from \$PULUMI_HOME\/plugins, so the folder must be named plugins/);
  });
});
