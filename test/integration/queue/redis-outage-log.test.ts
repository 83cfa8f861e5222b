import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { createDeployQueue } from '../../../orchestrator/queue/deploy-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { throttledErrors } from '../../../orchestrator/queue/throttled-errors.ts';
import { startRedis } from '../../../orchestrator/runtime/local-services.ts';
import { uniqueId } from '../../support/services.ts';

describe('a Redis outage in the log', () => {
  it('is one line per kind of error, not a stack trace per reconnect attempt of every queue and worker', async function () {
    this.timeout(30_000);
    const redisServer = await startRedis();
    const connection = createRedis(redisServer.url);
    const prefix = uniqueId('outage');
    const queue = createDeployQueue(connection, prefix);
    const workerErrors: string[] = [];
    const worker = new Worker('deploy', async () => undefined, { connection, prefix });
    worker.on('error', throttledErrors((err) => workerErrors.push(err.message)));
    await queue.queue.waitUntilReady();
    await worker.waitUntilReady();

    const printed: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
    try {
      await redisServer.stop();
      // ioredis retries every 50 ms, then 100, 150, … up to 2 s: dozens of attempts in 6 s.
      await sleep(6_000);
    } finally {
      console.error = consoleError;
      await worker.close(true).catch(() => {});
      await queue.close().catch(() => {});
      connection.disconnect();
    }
    assert.ok(printed.length >= 1, 'the outage is said');
    assert.ok(printed.length <= 2, `printed ${printed.length} lines:\n${printed.slice(0, 5).join('\n')}`);
    assert.ok(printed.every((line) => line.startsWith('homeostat: Redis ') && !line.includes('\n    at ')), printed.join('\n'));
    assert.ok(workerErrors.length <= 2, `worker errors: ${workerErrors.join(' | ')}`);
  });
});
