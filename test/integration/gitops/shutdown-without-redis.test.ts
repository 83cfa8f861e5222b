import assert from 'node:assert/strict';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createRunStore } from '../../../orchestrator/records/run-store.ts';
import { startRedis, type LocalService } from '../../../orchestrator/runtime/local-services.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/worker-process.ts';
import { waitFor } from '../../support/wait.ts';

const GRACE_S = 5;

describe('shutdown: within the grace period, whatever is unreachable', function () {
  this.timeout(300_000);
  let redis: LocalService;
  let fx: GitopsFixture;
  let receiver: RunningService | undefined;
  let worker: ServiceProcess | undefined;

  beforeEach(async () => {
    // A Redis of this test's own, to take away.
    redis = await startRedis();
    fx = await createGitopsFixture({ redisUrl: redis.url, leaseSeconds: 4, shutdownGraceSeconds: GRACE_S });
  });
  afterEach(async () => {
    await worker?.kill('SIGKILL');
    worker = undefined;
    await receiver?.stop();
    receiver = undefined;
    await redis.stop();
    await fx.cleanup();
  });

  async function sigtermTakes(p: ServiceProcess): Promise<number> {
    const started = Date.now();
    await p.kill('SIGTERM');
    return Date.now() - started;
  }

  it('an idle worker whose Redis went away exits on the first SIGTERM', async () => {
    worker = await startServiceProcess(fx.writeConfigFile(), fx.env);
    await redis.stop();
    const took = await sigtermTakes(worker);
    assert.ok(took < (GRACE_S + 3) * 1000, `exited after ${took} ms\n${worker.output()}`);
    assert.equal(worker.child.exitCode, 0, worker.output());
  });

  it('a worker whose Redis went away in the middle of an apply stops its engine and exits within the grace period', async () => {
    receiver = await startService(fx.config, { workers: false });
    worker = await startServiceProcess(fx.writeConfigFile(), fx.env);
    fx.setStackConfig('sandbox:capacity', '2');
    const commit = await fx.repo.commitAndPush('capacity 2');
    fx.fleet.setChangeDelay(60_000);
    const res = await sendGithubWebhook(`${receiver.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    assert.equal(res.status, 202);
    // The run says its engine is updating (the fleet holds the create for a minute).
    const conn = createRedis(redis.url);
    try {
      const store = createRunStore(conn, fx.prefix);
      await waitFor('the engine to be updating', async () => (await store.list({ stackKey: 'infra/./sandbox' })).find((r) => r.phase === 'applying' && (r.engines?.length ?? 0) > 0), 180_000, 100);
    } finally {
      conn.disconnect();
    }

    await redis.stop();
    const took = await sigtermTakes(worker);
    assert.ok(took < (GRACE_S + 3) * 1000, `exited after ${took} ms\n${worker.output()}`);
    assert.equal(worker.child.exitCode, 0, worker.output());
    assert.match(worker.output(), /grace period of 5 s ran out/);
  });
});
