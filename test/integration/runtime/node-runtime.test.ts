import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT, resolveToolchain } from '../../../orchestrator/runtime/toolchain.ts';

const run = promisify(execFile);
const BIN = join(PROJECT_ROOT, 'orchestrator/cli/bin.mjs');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function homeostat(node: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(node, [BIN, ...args], { cwd: PROJECT_ROOT, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A `node` on PATH older than 22 (a machine's own Node.js 20), if there is one. */
async function olderNode(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (!dir || !existsSync(candidate)) continue;
    const { stdout } = await run(candidate, ['-p', 'process.versions.node']).catch(() => ({ stdout: '' }));
    if (stdout && Number(stdout.split('.')[0]) < 22) return candidate;
  }
  return undefined;
}

describe('runtime: Node.js 22+ and the pinned engine, for the service and for a person', function () {
  this.timeout(180_000);
  const pinned = resolveToolchain().pulumiVersion;

  it('runs on Node.js 22 or newer, with the pinned engine', async () => {
    const { code, stdout } = await homeostat(process.execPath, ['--json', 'version']);
    assert.equal(code, 0);
    const versions = JSON.parse(stdout) as { node: string; pulumi: string };
    assert.ok(Number(versions.node.replace(/^v/, '').split('.')[0]) >= 22, versions.node);
    assert.equal(versions.pulumi, pinned);
  });

  it('hands itself over to the cached Node.js when an older node starts it', async function () {
    const old = await olderNode();
    // Only a machine whose own Node.js is older has something to hand over from.
    if (!old) this.skip();
    const { code, stdout, stderr } = await homeostat(old, ['--json', 'version']);
    assert.equal(code, 0, stderr);
    const { node } = JSON.parse(stdout) as { node: string };
    assert.ok(Number(node.replace(/^v/, '').split('.')[0]) >= 22, `ran on ${node}`);
  });

  it('homeostat pulumi runs the engine the service uses', async () => {
    const { code, stdout } = await homeostat(process.execPath, ['pulumi', 'version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), pinned);
  });

  describe('with the service config', () => {
    let dir: string;
    const passphrase = 'correct-horse-battery-staple-7';
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'homeostat-pulumi-cli-'));
      await writeFile(
        join(dir, 'homeostat.yaml'),
        [
          'pulumi:',
          `  backendUrl: file://${join(dir, 'state')}`,
          '  passphrase: { env: TEST_PASSPHRASE }',
          '  plugins: off',
          'repositories: [{ id: infra, url: /nonexistent/infra.git }]',
          '',
        ].join('\n'),
      );
      await writeFile(join(dir, 'Pulumi.yaml'), 'name: inspected\nruntime: nodejs\n');
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('creates and lists stacks in the service\'s backend with its passphrase, never printing it', async () => {
      const env = { ...process.env, TEST_PASSPHRASE: passphrase, PULUMI_BACKEND_URL: 'file:///nonexistent', PULUMI_CONFIG_PASSPHRASE: '' };
      const cfg = join(dir, 'homeostat.yaml');
      const init = await homeostat(process.execPath, ['pulumi', '-c', cfg, '--', 'stack', 'init', 'dev', '--cwd', dir, '--non-interactive'], env);
      assert.equal(init.code, 0, init.stderr);
      const ls = await homeostat(process.execPath, ['pulumi', '-c', cfg, '--', 'stack', 'ls', '--json', '--cwd', dir], env);
      assert.equal(ls.code, 0, ls.stderr);
      assert.deepEqual((JSON.parse(ls.stdout) as { name: string }[]).map((s) => s.name), ['dev']);
      // The stack lives in the config's backend, with the engine home beside it.
      assert.ok((await readdir(join(dir, 'state', '.pulumi', 'stacks', 'inspected'))).some((f) => f.startsWith('dev.json')));
      assert.ok(existsSync(join(dir, 'pulumi-home')));
      for (const out of [init, ls]) assert.ok(!`${out.stdout}${out.stderr}`.includes(passphrase), 'the passphrase is never printed');
    });

    it('names a missing secret and runs nothing', async () => {
      const { TEST_PASSPHRASE: _unset, ...env } = process.env;
      const out = await homeostat(process.execPath, ['pulumi', '-c', join(dir, 'homeostat.yaml'), '--', 'stack', 'ls'], env);
      assert.equal(out.code, 2);
      assert.match(out.stderr, /pulumi\.passphrase: environment variable TEST_PASSPHRASE is not set/);
    });
  });
});
