import assert from 'node:assert/strict';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { assertNoOverlap, pushCapacity } from '../../support/gitops-runs.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { ZERO_SHA } from '../../support/webhooks.ts';
import { canFakeHosts, startServiceProcess, type ServiceProcess } from '../../support/worker-process.ts';
import { waitFor } from '../../support/wait.ts';

/**
 * Several hosts, one Redis, one S3 backend (moto's S3): two `homeostat serve`
 * processes, each in a UTS namespace of its own so that it and its engines
 * carry another host name, stand for two machines.
 */
const AWS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
const LOCKS = '.pulumi/locks/organization/homeostat-infra/sandbox';

/**
 * Plain, unsigned S3 calls to moto, as the test's own hand on the bucket: the bucket and the
 * test's objects are public, since moto answers anonymous reads of private ones with 403.
 */
async function s3(method: 'PUT' | 'GET' | 'DELETE', path: string, body?: string): Promise<Response> {
  const headers = method === 'PUT' ? { 'x-amz-acl': path.includes('/') ? 'public-read' : 'public-read-write' } : undefined;
  const res = await fetch(`${testServices().motoUrl}/${path}`, { method, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}) });
  if (!res.ok && res.status !== 404) throw new Error(`S3 ${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

describe('a shared S3 backend and two hosts', function () {
  this.timeout(900_000);
  let fx: GitopsFixture;
  let bucket: string;
  let receiver: RunningService | undefined;
  const hosts: ServiceProcess[] = [];

  before(function () {
    if (!canFakeHosts()) {
      console.log('    (skipped: giving a process a host name of its own needs root and unshare --uts)');
      this.skip();
    }
  });
  beforeEach(async () => {
    bucket = uniqueId('state').toLowerCase();
    await s3('PUT', bucket);
    const backendUrl = `s3://${bucket}?endpoint=${encodeURIComponent(testServices().motoUrl)}&s3ForcePathStyle=true&region=us-east-1`;
    fx = await createGitopsFixture({ leaseSeconds: 4 });
    const pulumi = fx.configDoc.pulumi as { env: Record<string, string> };
    fx.configDoc.pulumi = { ...pulumi, backendUrl, env: { ...pulumi.env, ...AWS } };
    receiver = await startService({ ...fx.config, pulumi: { ...fx.config.pulumi, backendUrl } }, { workers: false });
  });
  afterEach(async () => {
    for (const p of hosts.splice(0)) await p.kill('SIGKILL');
    await receiver?.stop();
    receiver = undefined;
    await fx.cleanup();
  });

  async function startHost(name: string): Promise<ServiceProcess> {
    const p = await startServiceProcess(fx.writeConfigFile(), { ...fx.env, ...AWS }, ['--no-http'], { host: name });
    hosts.push(p);
    return p;
  }

  it('two hosts never update the stack at once, and the stack ends at the last push', async () => {
    await startHost('host-a');
    await startHost('host-b');
    const hook = `${receiver!.url}/webhooks/infra`;
    let before = ZERO_SHA;
    const commits: string[] = [];
    for (const capacity of [4, 5, 6, 7]) {
      before = await pushCapacity(fx, hook, capacity, before);
      commits.push(before);
    }
    const last = commits.at(-1)!;
    const done = await fx.waitForRun(last, ['applied', 'failed'], 400_000);
    assert.equal(done.status, 'applied', `${done.reason}: ${done.message}`);
    const runs = await fx.runs();
    assertNoOverlap(runs);
    assert.equal(fx.fleet.maxConcurrentChanges(), 1, 'the fleet never saw two changes at once');
    assert.equal(fx.fleet.services()[0]?.capacity, 7);
    assert.deepEqual(runs.filter((r) => r.status === 'failed').map((r) => `${r.reason}: ${r.message}`), [], 'no run hit a locked stack');
  });

  it('a host that dies mid-apply: the other clears only that host\'s lock, once its heartbeat is gone, and applies the push once', async () => {
    const a = await startHost('host-a');
    const hook = `${receiver!.url}/webhooks/infra`;
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied', 240_000);

    fx.fleet.setChangeDelay(5000);
    before = await pushCapacity(fx, hook, 4, before);
    const applying = await waitFor('host-a to be updating', async () => (await fx.runs()).find((r) => r.commit === before && r.phase === 'applying' && (r.engines?.length ?? 0) > 0), 240_000, 50);
    assert.equal(applying.engines![0]!.host, 'host-a');
    await a.kill('SIGKILL');

    const b = await startHost('host-b');
    const done = await fx.waitForRun(before, ['applied', 'unchanged', 'failed'], 300_000);
    assert.notEqual(done.status, 'failed', `${done.message}\n${b.output()}`);
    assert.ok(done.worker && done.worker !== applying.worker, 'host-b finished the push');
    const aborted = (await fx.runs()).filter((r) => r.commit === before && r.status === 'aborted');
    assert.deepEqual(aborted.map((r) => r.reason), ['WorkerCrashed']);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
    assert.equal(fx.fleet.services().length, 1, 'no duplicate service');
    assert.ok(fx.fleet.services()[0]!.generation <= 2, `applied once (generation ${fx.fleet.services()[0]!.generation})`);
  });

  it('a person\'s lock in the bucket is waited for and survives byte for byte', async () => {
    await startHost('host-a');
    const hook = `${receiver!.url}/webhooks/infra`;
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied', 240_000);

    const lock = JSON.stringify({ pid: 31337, username: 'carol', hostname: 'ops-laptop', timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    const key = `${bucket}/${LOCKS}/person.json`;
    await s3('PUT', key, lock);
    before = await pushCapacity(fx, hook, 4, before);
    const refused = await waitFor('a run refused by the lock', async () => (await fx.runs()).find((r) => r.commit === before && r.reason === 'StackLocked'), 240_000, 200);
    assert.match(refused.message ?? '', /Locked by carol@ops-laptop \(pid 31337\) since /);
    await waitFor('a second refusal', async () => (await fx.runs()).filter((r) => r.commit === before && r.reason === 'StackLocked').length >= 2, 120_000, 200);
    assert.equal(await (await s3('GET', key)).text(), lock, 'the lock is still there, unchanged');
    assert.equal(fx.fleet.services()[0]?.capacity, 2);

    await s3('DELETE', key);
    await fx.waitForRun(before, 'applied', 240_000);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
  });
});
