import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';

const run = promisify(execFile);
const UNITS = join(PROJECT_ROOT, 'deploy', 'systemd');
const ANALYZE = '/usr/bin/systemd-analyze';
// The system's own units (sysinit.target and the rest), which verify resolves dependencies against.
const SYSTEM_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(join(d, 'sysinit.target')));
/** Highest exposure systemd-analyze security may give a unit, times ten (1.5 OK is 15). */
const MAX_EXPOSURE = 20;

/**
 * A root folder for `systemd-analyze --root`: the system's units, ours under
 * /etc/systemd/system, and an executable where ExecStart expects Node.js, so
 * that verify checks the units and not this machine's layout.
 */
async function unitRoot(units: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'homeostat-systemd-'));
  await cp(SYSTEM_UNITS!, join(root, 'usr/lib/systemd/system'), { recursive: true, dereference: false });
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  for (const [name, text] of Object.entries(units)) await writeFile(join(root, 'etc/systemd/system', name), text);
  await mkdir(join(root, 'opt/homeostat/node/bin'), { recursive: true });
  await writeFile(join(root, 'opt/homeostat/node/bin/node'), '#!/bin/sh\nexit 0\n');
  await chmod(join(root, 'opt/homeostat/node/bin/node'), 0o755);
  return root;
}

/** systemd-analyze's exit code and everything it said. */
async function analyze(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(ANALYZE, args);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('the systemd units (deploy/systemd)', function () {
  let api: string;
  let worker: string;
  const roots: string[] = [];
  const rootFor = async (units: Record<string, string>) => {
    const root = await unitRoot(units);
    roots.push(root);
    return root;
  };

  before(async function () {
    if (!existsSync(ANALYZE) || !SYSTEM_UNITS) {
      console.warn(`      skipped: ${ANALYZE} or the system's units are missing`);
      this.skip();
    }
    api = await readFile(join(UNITS, 'homeostat.service'), 'utf8');
    worker = await readFile(join(UNITS, 'homeostat-worker@.service'), 'utf8');
  });
  after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  it('pass systemd-analyze verify without a word, the worker template as an instance', async () => {
    const root = await rootFor({ 'homeostat.service': api, 'homeostat-worker@.service': worker });
    const r = await analyze(['verify', `--root=${root}`, 'homeostat.service', 'homeostat-worker@1.service']);
    assert.deepEqual(r, { code: 0, output: '' });
  });

  it('are caught by verify when a setting is misspelt', async () => {
    const root = await rootFor({ 'homeostat.service': api.replace('ProtectHome=yes', 'ProtectHomes=yes') });
    const r = await analyze(['verify', `--root=${root}`, 'homeostat.service']);
    assert.match(r.output, /Unknown key 'ProtectHomes'/);
  });

  for (const unit of ['homeostat.service', 'homeostat-worker@1.service']) {
    it(`${unit}: rated at most ${MAX_EXPOSURE / 10} by systemd-analyze security (OK)`, async () => {
      const root = await rootFor({ 'homeostat.service': api, 'homeostat-worker@.service': worker });
      const r = await analyze(['security', '--offline=yes', `--root=${root}`, `--threshold=${MAX_EXPOSURE}`, unit]);
      assert.equal(r.code, 0, r.output.split('\n').slice(-3).join('\n'));
      assert.match(r.output, /Overall exposure level for .*: [0-9.]+ OK/);
    });
  }

  it('a unit without the hardening is rated above the threshold, so the rating can fail', async () => {
    const bare = api.replace(/# --- hardening[\s\S]*?\n\[Install\]/, '[Install]');
    assert.notEqual(bare, api);
    const root = await rootFor({ 'homeostat.service': bare });
    const r = await analyze(['security', '--offline=yes', `--root=${root}`, `--threshold=${MAX_EXPOSURE}`, 'homeostat.service']);
    assert.notEqual(r.code, 0);
  });

  it('hold the hardening the brief names, run as a user of their own, and take secrets by reference', () => {
    for (const text of [api, worker]) {
      const settings = new Set(text.split('\n').map((l) => l.trim()).filter((l) => /^[A-Z]\w*=/.test(l)));
      for (const s of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=', 'User=homeostat', 'EnvironmentFile=/etc/homeostat/homeostat.env']) {
        assert.ok(settings.has(s), `missing ${s}`);
      }
      assert.ok([...settings].some((s) => s.startsWith('ReadWritePaths=') && s.includes('/var/lib/homeostat')), 'ReadWritePaths for the state');
      // No secret value inline: Environment= lines carry paths and switches only.
      for (const s of [...settings].filter((x) => x.startsWith('Environment='))) assert.doesNotMatch(s, /(TOKEN|SECRET|PASSPHRASE|PASSWORD)/i, s);
    }
    assert.match(worker, /ExecStart=.* serve --no-http /);
  });
});
