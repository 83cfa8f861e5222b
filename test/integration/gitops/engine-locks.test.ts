import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { pushCapacity } from '../../support/gitops-runs.ts';
import { testServices } from '../../support/services.ts';
import { ZERO_SHA } from '../../support/webhooks.ts';
import { waitFor } from '../../support/wait.ts';
import { as, TEST_TOKENS } from '../../support/test-tokens.ts';

const STACK = 'infra/./sandbox';
const run = promisify(execFile);

/** Writes a lock file the way the engine does (pkg/backend/diy/lock.go), as if another engine held the stack. */
function writeEngineLock(fx: GitopsFixture, name: string, holder: { pid: number; username: string; hostname: string; timestamp: string }): string {
  const dir = join(fx.dir, 'state', '.pulumi', 'locks', 'organization', 'homeostat-infra', 'sandbox');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(holder));
  return file;
}

/** A pid that belonged to a process of this host that has exited. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe('gitops: engine locks are cleared only when provably ours and gone', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService | undefined;

  beforeEach(async () => {
    fx = await createGitopsFixture({ leaseSeconds: 4 });
    service = await startService(fx.config);
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await fx.cleanup();
  });

  it('a lock held by someone else is waited for and named on the stack, never cleared, and the push goes through once it is gone', async () => {
    const hook = `${service!.url}/webhooks/infra`;
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied');

    // A person's `pulumi up` on a laptop, and one on this very host whose process is gone:
    // neither is an engine Homeostat started, so neither may be cleared.
    const since = new Date(Date.now() - 5000).toISOString().replace(/\.\d+Z$/, 'Z');
    const laptop = writeEngineLock(fx, 'laptop', { pid: 4242, username: 'alice', hostname: 'laptop-7.corp.example', timestamp: since });
    const local = writeEngineLock(fx, 'local', { pid: deadPid(), username: 'bob', hostname: hostname(), timestamp: since });
    const bytes = [readFileSync(laptop), readFileSync(local)];

    before = await pushCapacity(fx, hook, 4, before);
    const locked = await waitFor('two runs refused by the foreign locks', async () => {
      const runs = (await fx.runs()).filter((r) => r.commit === before && r.reason === 'StackLocked');
      return runs.length >= 2 ? runs : undefined;
    }, 180_000, 200);
    for (const run of locked) {
      assert.equal(run.status, 'failed');
      assert.match(run.message ?? '', /Locked by .*alice@laptop-7\.corp\.example \(pid 4242\) since /, run.message);
      assert.match(run.message ?? '', new RegExp(`bob@${hostname().replace(/\./g, '\\.')} \\(pid \\d+\\)`), run.message);
    }
    const status = await fx.store.status(STACK);
    assert.equal(status.conditions.Ready.reason, 'StackLocked');
    assert.match(status.conditions.Ready.message, /Locked by .*alice@laptop-7\.corp\.example/);
    assert.deepEqual([readFileSync(laptop), readFileSync(local)], bytes, 'both lock files survive byte for byte');
    assert.equal(fx.fleet.services()[0]?.capacity, 2, 'nothing was applied under someone else\'s lock');

    // The people finish: their engines remove their locks, and the waiting push is applied.
    rmSync(laptop);
    rmSync(local);
    await fx.waitForRun(before, 'applied', 180_000);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
  });

  it('a person clears a lock by force: unlock --force removes it, the audit log names who and whose, and the push goes through', async () => {
    const hook = `${service!.url}/webhooks/infra`;
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied');
    const lock = writeEngineLock(fx, 'crashed-laptop', { pid: 4242, username: 'alice', hostname: 'laptop-7.corp.example', timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    before = await pushCapacity(fx, hook, 4, before);
    await waitFor('a run refused by the lock', async () => (await fx.runs()).find((r) => r.commit === before && r.reason === 'StackLocked'), 180_000, 200);

    const url = `${service!.url}/api/stacks/${encodeURIComponent(STACK)}/unlock`;
    const noForce = await fetch(url, { method: 'POST', headers: as('sam'), body: '{}' });
    assert.equal(noForce.status, 400);
    const asForm = await fetch(url, { method: 'POST', headers: { ...as('sam'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'force=true' });
    assert.equal(asForm.status, 415);
    assert.ok(existsSync(lock), 'nothing was removed without force');

    // Asynchronously: the service answering the CLI runs in this very process.
    const cli = await run(process.execPath, [join(PROJECT_ROOT, 'orchestrator/cli/bin.mjs'), '--url', service!.url!, 'unlock', STACK, '--force'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, HOMEOSTAT_TOKEN: TEST_TOKENS.sam } });
    assert.match(cli.stdout, /engine locks removed \(alice@laptop-7\.corp\.example \(pid 4242\) since /);
    assert.ok(!existsSync(lock));
    const { entries } = (await (await fetch(`${service!.url}/api/audit?stack=${encodeURIComponent(STACK)}`, { headers: as('viewer', false) })).json()) as { entries: { type: string; actor: string; summary: string }[] };
    const cleared = entries.find((e) => e.type === 'lock-cleared');
    assert.equal(cleared?.actor, 'sam');
    assert.match(cleared?.summary ?? '', /alice@laptop-7\.corp\.example \(pid 4242\)/);

    await fx.waitForRun(before, 'applied', 180_000);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
  });

  it('a stale lock of an engine we started is cleared, exactly that file, and the push is applied', async () => {
    const hook = `${service!.url}/webhooks/infra`;
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied');

    // An engine of ours on this host that died holding the lock (its worker's record says so).
    const pid = deadPid();
    const startedAt = new Date(Date.now() - 10_000).toISOString();
    await fx.store.recordEngine(STACK, { host: hostname(), pid, startedAt, worker: 'gone-worker' });
    const stale = writeEngineLock(fx, 'ours', { pid, username: 'root', hostname: hostname(), timestamp: new Date(Date.now() - 8000).toISOString().replace(/\.\d+Z$/, 'Z') });

    before = await pushCapacity(fx, hook, 4, before);
    await fx.waitForRun(before, 'applied', 180_000);
    assert.ok(!existsSync(stale), 'the stale lock is gone');
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
  });

  it('a worker that loses its lease mid-apply interrupts its engine and says so; the next holder applies the commit', async () => {
    const hook = `${service!.url}/webhooks/infra`;
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied');

    fx.fleet.setChangeDelay(15_000);
    before = await pushCapacity(fx, hook, 4, before);
    await waitFor('the apply to be under way', async () => (await fx.runs()).find((r) => r.commit === before && r.phase === 'applying' && (r.engines?.length ?? 0) > 0), 120_000, 50);

    // Another worker takes the stack's lease (as after a partition): ours must stop.
    const redis = createRedis(testServices().redisUrl);
    try {
      const lockKey = `${fx.prefix}:lock:${STACK}`;
      await redis.set(lockKey, 'usurper#999', 'PX', 8000);
      const stolenAt = Date.now();
      const aborted = await waitFor('the run to record its lost lease', async () => (await fx.runs()).find((r) => r.commit === before && r.status === 'aborted'), 30_000, 100);
      assert.equal(aborted.reason, 'LeaseLost');
      // Renewal every third of the 4 s lease, then SIGINT and at most a second before the kill.
      assert.ok(Date.parse(aborted.timings.finishedAt!) - stolenAt < 6000, `aborted ${Date.parse(aborted.timings.finishedAt!) - stolenAt} ms after the lease went`);
      const engine = aborted.engines![0]!;
      await waitFor('the interrupted engine to be gone', () => !isAlive(engine.pid), 10_000, 100);
      await redis.del(lockKey);
    } finally {
      await redis.quit();
    }

    fx.fleet.setChangeDelay(0);
    await fx.waitForRun(before, ['applied', 'unchanged'], 240_000);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
    assert.equal(fx.fleet.services().length, 1, 'no duplicate service');
    assert.equal((await fx.store.status(STACK)).appliedCommit, before);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
