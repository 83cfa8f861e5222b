import assert from 'node:assert/strict';
import { startRedis, type LocalService } from '../../../orchestrator/runtime/local-services.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/worker-process.ts';
import { waitFor } from '../../support/wait.ts';

describe('homeostat serve: its log is pino JSON, one stage per line, without a secret', function () {
  this.timeout(120_000);
  let redis: LocalService;
  let fx: GitopsFixture;
  let worker: ServiceProcess | undefined;

  before(async () => {
    redis = await startRedis();
    fx = await createGitopsFixture({ redisUrl: redis.url, shutdownGraceSeconds: 5 });
  });
  after(async () => {
    await worker?.kill('SIGKILL');
    await redis.stop().catch(() => undefined);
    await fx.cleanup();
  });

  it('says it serves, that Redis went away (once, under stage redis) and that it shuts down; every line is a JSON object', async () => {
    worker = await startServiceProcess(fx.writeConfigFile(), fx.env);
    await redis.stop();
    await waitFor('the lost Redis in the log', () => worker!.output().includes('(reconnecting)'), 20_000);
    await worker.kill('SIGTERM');
    const lines = worker.output().split('\n').filter((l) => l.trim() !== '');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as { level: string; stage?: string; msg: string; time: string };
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    for (const e of entries) {
      assert.ok(['info', 'warn', 'error'].includes(e.level) && typeof e.time === 'string' && typeof e.msg === 'string', JSON.stringify(e));
    }
    assert.ok(entries.some((e) => e.stage === 'service' && e.level === 'info' && e.msg.startsWith('homeostat: serving')), lines.join('\n'));
    assert.ok(entries.some((e) => e.stage === 'service' && e.msg.startsWith('homeostat: shutting down')), lines.join('\n'));
    const redisLines = entries.filter((e) => e.stage === 'redis');
    assert.ok(redisLines.length >= 1 && redisLines.length <= 2, lines.join('\n'));
    assert.ok(redisLines.every((e) => e.level === 'warn' && /^Redis .*\(reconnecting\)$/.test(e.msg)), lines.join('\n'));
    for (const secret of [WEBHOOK_SECRET, fx.env.TEST_PASSPHRASE!]) assert.ok(!worker.output().includes(secret), 'a secret in the log');
    assert.equal(worker.child.exitCode, 0, lines.join('\n'));
  });
});
