import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { pushCapacity } from '../../support/gitops-runs.ts';
import { deleteKeys } from '../../support/redis-keys.ts';
import { testServices } from '../../support/services.ts';
import { ZERO_SHA } from '../../support/webhooks.ts';

/** Everything this installation kept in Redis is gone, as after losing a Redis without persistence. */
async function loseRedis(prefix: string): Promise<void> {
  const redis = createRedis(testServices().redisUrl);
  try {
    await deleteKeys(redis, prefix);
    assert.deepEqual(await redis.keys(`${prefix}:*`), []);
  } finally {
    await redis.quit();
  }
}

describe('gitops: Redis lost entirely', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService | undefined;

  beforeEach(async () => {
    fx = await createGitopsFixture();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await fx.cleanup();
  });

  /** Applies capacity 3 then 4 through a service that is then stopped and its Redis lost; returns the last applied commit. */
  async function appliedThenLost(): Promise<string> {
    service = await startService(fx.config, { workerId: 'before' });
    const hook = `${service.url}/webhooks/infra`;
    const first = await pushCapacity(fx, hook, 3, ZERO_SHA);
    await fx.waitForRun(first, 'applied');
    const second = await pushCapacity(fx, hook, 4, first);
    await fx.waitForRun(second, 'applied');
    await service.stop();
    service = undefined;
    await loseRedis(fx.prefix);
    return second;
  }

  it('a push missed while Redis was gone: the applied commit is read back from the backend and only the new commit is applied', async () => {
    const applied = await appliedThenLost();
    // Pushed while the service was down: no webhook will ever announce it.
    fx.setStackConfig('sandbox:capacity', '5');
    const missed = await fx.repo.commitAndPush('capacity 5');

    service = await startService(fx.config, { workerId: 'after' });
    const report = await service.restored;
    assert.deepEqual(report?.restored, [{ stackKey: 'infra/./sandbox', commit: applied }], JSON.stringify(report));
    assert.deepEqual(report?.caughtUp, [{ repo: 'infra', head: missed }]);
    assert.deepEqual(report?.errors, []);

    const run = await fx.waitForRun(missed, 'applied');
    assert.equal(run.trigger.kind, 'poll');
    const runs = await fx.runs();
    assert.deepEqual(runs.filter((r) => r.commit === applied), [], 'the commit applied before the loss is not applied again');
    assert.equal(runs.filter((r) => r.commit === missed && r.status === 'applied').length, 1);
    assert.equal(fx.fleet.services()[0]?.capacity, 5);
    const status = await fx.store.status('infra/./sandbox');
    assert.equal(status.appliedCommit, missed);
  });

  it('nothing pushed meanwhile: the stack is Ready at its restored commit and no engine runs', async () => {
    const applied = await appliedThenLost();
    service = await startService(fx.config, { workerId: 'after' });
    const report = await service.restored;
    assert.deepEqual(report?.restored, [{ stackKey: 'infra/./sandbox', commit: applied }]);
    assert.deepEqual(report?.caughtUp, []);
    const status = await fx.store.status('infra/./sandbox');
    assert.equal(status.appliedCommit, applied);
    assert.equal(status.conditions.Ready.status, true);
    assert.equal(status.conditions.Ready.reason, 'Restored');
    assert.ok(status.outputs && Object.keys(status.outputs).length > 0, 'the outputs are read back too (health signals need them)');
    await sleep(3000);
    assert.deepEqual(await fx.runs(), []);
  });

  it('Redis kept: nothing is looked up and nothing is queued', async () => {
    service = await startService(fx.config, { workerId: 'first' });
    const hook = `${service.url}/webhooks/infra`;
    const first = await pushCapacity(fx, hook, 3, ZERO_SHA);
    await fx.waitForRun(first, 'applied');
    await service.stop();
    service = await startService(fx.config, { workerId: 'second' });
    const report = await service.restored;
    assert.deepEqual(report, { restored: [], unknown: [], caughtUp: [], errors: [] });
  });
});
