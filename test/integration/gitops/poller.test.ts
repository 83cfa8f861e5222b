import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { createIntakeQueue, type IntakeQueue } from '../../../orchestrator/intake/intake-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { startPoller } from '../../../orchestrator/source/poller.ts';
import type { TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { deleteKeys } from '../../support/redis-keys.ts';
import { testServices, uniqueId } from '../../support/services.ts';

const run = promisify(execFile);

/** A bare repository with one commit on main; returns its path and head. */
async function remoteWithOneCommit(dir: string): Promise<{ url: string; head: string }> {
  const url = join(dir, 'remote.git');
  const work = join(dir, 'work');
  await run('git', ['init', '--bare', '--initial-branch=main', url]);
  await run('git', ['init', '--initial-branch=main', work]);
  await run('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--allow-empty', '-m', 'first']);
  await run('git', ['-C', work, 'push', url, 'main']);
  const head = (await run('git', ['-C', work, 'rev-parse', 'HEAD'])).stdout.trim();
  return { url, head };
}

describe('source: the deploy-branch poller (real git, real Redis)', function () {
  this.timeout(60_000);
  let dir: string;
  let redis: Redis;
  let intake: IntakeQueue;
  let prefix: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'homeostat-poller-'));
    prefix = uniqueId('poller');
    redis = createRedis(testServices().redisUrl);
    intake = createIntakeQueue(redis, prefix);
  });
  afterEach(async () => {
    if (redis.status === 'ready') {
      await intake.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('turns a new head into one push event, and the same head seen again into none', async () => {
    const { url, head } = await remoteWithOneCommit(dir);
    const poller = startPoller({ redis, prefix, intake, repos: [{ id: 'infra', url, deployBranch: 'main', pollIntervalSeconds: 3600 }] });
    await poller.stop(); // the first poll runs at start; stop waits for it
    await poller.pollOnce({ id: 'infra', url, deployBranch: 'main', pollIntervalSeconds: 3600 });
    const jobs = await intake.queue.getJobs(['waiting', 'delayed', 'active']);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.data.kind, 'push');
    assert.equal((jobs[0]!.data as { after?: string }).after, head);
  });

  it('stop waits for the poll under way, so closing Redis afterwards reports no failed poll', async () => {
    const { url } = await remoteWithOneCommit(dir);
    const events: TimelineEvent[] = [];
    const poller = startPoller({ redis, prefix, intake, emit: (e) => void events.push(e), repos: [{ id: 'infra', url, deployBranch: 'main', pollIntervalSeconds: 3600 }] });
    await poller.stop();
    await intake.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  });
});
