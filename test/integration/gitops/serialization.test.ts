import assert from 'node:assert/strict';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { assertNoOverlap, pushCapacity } from '../../support/gitops-runs.ts';
import { ZERO_SHA } from '../../support/webhooks.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/worker-process.ts';
import { waitFor } from '../../support/wait.ts';

describe('gitops: one update per stack at a time, and crash safety', function () {
  this.timeout(900_000);
  let fx: GitopsFixture;
  let service: RunningService | undefined;
  const others: ServiceProcess[] = [];

  beforeEach(async () => {
    fx = await createGitopsFixture({ leaseSeconds: 4 });
  });
  afterEach(async () => {
    for (const p of others.splice(0)) await p.kill('SIGKILL');
    await service?.stop();
    service = undefined;
    await fx.cleanup();
  });

  it('five pushes in quick succession: updates never overlap, and the stack ends at the last commit', async () => {
    service = await startService(fx.config, { workerId: 'in-process' });
    const hook = `${service.url}/webhooks/infra`;
    let before = ZERO_SHA;
    const commits: string[] = [];
    // Within the max-capacity-step policy's factor of 2 of the first, whichever commit wins.
    for (const capacity of [4, 5, 6, 7, 8]) {
      before = await pushCapacity(fx, hook, capacity, before);
      commits.push(before);
    }
    const last = commits.at(-1)!;
    await fx.waitForRun(last, ['applied', 'failed']);
    const runs = await fx.runs();
    const lastRun = runs.find((r) => r.commit === last && r.status !== 'skipped');
    assert.equal(lastRun?.status, 'applied', `${lastRun?.reason}: ${lastRun?.message}`);
    assertNoOverlap(runs);
    assert.equal(fx.fleet.maxConcurrentChanges(), 1, 'the fleet never saw two changes at once');
    assert.equal(fx.fleet.services()[0]?.capacity, 8);
    assert.equal((await fx.store.status('infra/./sandbox')).appliedCommit, last);
    assert.deepEqual(runs.filter((r) => r.status === 'failed').map((r) => r.reason), [], 'no run hit a locked stack');
    // Latest wins: superseded commits are recorded as skipped, not applied after the last one.
    const lastApplied = runs.filter((r) => r.status === 'applied').sort((a, b) => Date.parse(b.timings.finishedAt!) - Date.parse(a.timings.finishedAt!))[0];
    assert.equal(lastApplied?.commit, last);
  });

  it('two worker processes against one Redis: still one update per stack at a time, and a push back to the applied files while newer ones are queued is applied', async () => {
    service = await startService(fx.config, { workerId: 'in-process' });
    others.push(await startServiceProcess(fx.writeConfigFile(), fx.env));
    const hook = `${service.url}/webhooks/infra`;
    fx.fleet.setChangeDelay(300);
    let before = ZERO_SHA;
    for (const capacity of [2, 4]) {
      before = await pushCapacity(fx, hook, capacity, before);
      // Let the first apply start, so that the second must wait for it rather than supersede it.
      if (capacity === 2) await fx.waitForRun(before, ['applied', 'failed']);
    }
    await fx.waitForRun(before, ['applied', 'failed']);
    // The last push sets the files back to what is applied (4) while newer applies are queued: it is
    // no change against the applied commit, yet it must be applied, or the stack would stay at 6.
    for (const capacity of [5, 6, 4]) before = await pushCapacity(fx, hook, capacity, before);
    await fx.waitForRun(before, ['applied', 'failed']);
    const runs = await fx.runs();
    assertNoOverlap(runs);
    assert.equal(fx.fleet.maxConcurrentChanges(), 1);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
    assert.equal((await fx.store.status('infra/./sandbox')).appliedCommit, before);
  });

  it('SIGKILL of the worker during an apply: the next worker marks the run aborted and the stack ends at the pushed commit, applied once', async () => {
    // The in-process service only receives webhooks; the work happens in child processes.
    service = await startService(fx.config, { workers: false });
    const hook = `${service.url}/webhooks/infra`;
    const config = fx.writeConfigFile();
    const first = await startServiceProcess(config, fx.env);
    others.push(first);
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied');

    fx.fleet.setChangeDelay(4000);
    before = await pushCapacity(fx, hook, 4, before);
    await waitFor('the apply to be under way', async () => (await fx.runs()).find((r) => r.commit === before && r.phase === 'applying'), 120_000, 50);
    await first.kill('SIGKILL');

    others.push(await startServiceProcess(config, fx.env));
    const done = await fx.waitForRun(before, ['applied', 'unchanged', 'failed'], 240_000);
    assert.notEqual(done.status, 'failed', done.message);
    const runs = (await fx.runs()).filter((r) => r.commit === before);
    const aborted = runs.filter((r) => r.status === 'aborted');
    assert.equal(aborted.length, 1, `one aborted run, got ${runs.map((r) => `${r.status}/${r.reason ?? ''}`).join(', ')}`);
    assert.equal(aborted[0]?.reason, 'WorkerCrashed');
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
    assert.equal(fx.fleet.services().length, 1, 'no duplicate service');
    const generations = fx.fleet.services()[0]!.generation;
    assert.ok(generations <= 2, `the update was applied once (generation ${generations})`);
    assert.equal((await fx.store.status('infra/./sandbox')).appliedCommit, before);
  });

  it('SIGTERM during an apply: the running update finishes within the grace period and the worker exits cleanly', async () => {
    service = await startService(fx.config, { workers: false });
    const hook = `${service.url}/webhooks/infra`;
    const config = fx.writeConfigFile();
    const worker = await startServiceProcess(config, fx.env);
    others.push(worker);
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied');

    fx.fleet.setChangeDelay(3000);
    before = await pushCapacity(fx, hook, 4, before);
    await waitFor('the apply to be under way', async () => (await fx.runs()).find((r) => r.commit === before && r.phase === 'applying'), 120_000, 50);
    await worker.kill('SIGTERM');

    assert.equal(worker.child.exitCode, 0, worker.output());
    const run = (await fx.runs()).find((r) => r.commit === before && r.status !== 'skipped');
    assert.equal(run?.status, 'applied', `${run?.status}/${run?.reason ?? ''}: ${run?.message ?? ''}\n${worker.output()}`);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
    assert.equal((await fx.store.status('infra/./sandbox')).appliedCommit, before);
  });

  it('SIGTERM with a grace period shorter than the apply: the update is cancelled cleanly and the next worker applies the commit', async function () {
    // Three processes, a signal and an engine cancel race on a shared two-core machine: one retry before it counts as failed.
    this.retries(1);
    service = await startService(fx.config, { workers: false });
    const hook = `${service.url}/webhooks/infra`;
    // Long enough to interrupt the engine and record it (lease/4 to stop, a second to record), shorter than the apply.
    fx.configDoc.shutdownGraceSeconds = 3;
    const config = fx.writeConfigFile();
    const worker = await startServiceProcess(config, fx.env);
    others.push(worker);
    let before = await pushCapacity(fx, hook, 2, ZERO_SHA);
    await fx.waitForRun(before, 'applied');

    fx.fleet.setChangeDelay(6000);
    before = await pushCapacity(fx, hook, 4, before);
    await waitFor('the apply to be under way', async () => (await fx.runs()).find((r) => r.commit === before && r.phase === 'applying'), 120_000, 50);
    await worker.kill('SIGTERM');

    assert.equal(worker.child.exitCode, 0, worker.output());
    const cancelled = (await fx.runs()).filter((r) => r.commit === before && r.status !== 'skipped');
    assert.deepEqual(cancelled.map((r) => `${r.status}/${r.reason ?? ''}`), ['aborted/Cancelled'], worker.output());

    fx.fleet.setChangeDelay(0);
    others.push(await startServiceProcess(config, fx.env));
    const done = await fx.waitForRun(before, ['applied', 'unchanged'], 240_000);
    assert.ok(done.id !== cancelled[0]!.id);
    assert.equal(fx.fleet.services()[0]?.capacity, 4);
    assert.equal(fx.fleet.services().length, 1, 'no duplicate service');
    assert.equal((await fx.store.status('infra/./sandbox')).appliedCommit, before);
  });
});
