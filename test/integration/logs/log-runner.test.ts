import assert from 'node:assert/strict';
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createCloudWatchLogsClient } from '../../../orchestrator/logs/cloudwatch-logs-reader.ts';
import { createLogRunner } from '../../../orchestrator/logs/log-runner.ts';
import type { NewTemplateEvent } from '../../../orchestrator/logs/log-signals.ts';
import { createRedisTelemetryStore } from '../../../orchestrator/telemetry/redis-telemetry-store.ts';
import { testServices, uniqueId } from '../../support/services.ts';

const MIN = 60_000;

describe('log runner: CloudWatch Logs to the detectors (moto, Redis)', function () {
  this.timeout(30_000);

  it('mines what it reads, reports a new template, and scores the counts with the detectors\' own store', async () => {
    const logs = createCloudWatchLogsClient({ endpoint: testServices().motoUrl, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const redis = createRedis(testServices().redisUrl);
    const prefix = uniqueId('logrun');
    const group = `/homeostat/test/${uniqueId('g')}`;
    const base = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'web-1' }));
      const put = (events: [number, string][]) => logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'web-1', logEvents: events.map(([t, message]) => ({ timestamp: base + t, message })) }));
      // Three minutes of ordinary requests, then a new error with a secret in it.
      await put(Array.from({ length: 90 }, (_, i) => [i * 2000, `GET /orders/${1000 + i} 200 in ${i % 40} ms`]));
      await put([[3 * MIN + 10, 'ERROR charge 7 failed: payments timeout password=hunter22']]);
      const newTemplates: NewTemplateEvent[] = [];
      let clock = base + 3 * MIN + 5;
      const runner = createLogRunner({
        redis, prefix, client: logs,
        groups: [{ stackKey: 'infra/./web', logGroupId: 'app', name: group, resource: 'web' }],
        onAnomalies: () => {},
        onNewTemplates: (e) => void newTemplates.push(...e),
        pollerOptions: { settleMs: 0, initialLookbackMs: 60 * MIN },
        signalOptions: { warmupLines: 50 },
        now: () => clock,
      });
      const first = await runner.pollOnce();
      assert.equal(first.events, 90, 'the error line is not settled yet');
      assert.equal(first.points, 6, 'three closed minutes: the error count and the frequent template\'s count each');
      assert.equal(newTemplates.length, 0);
      clock = base + 4 * MIN;
      const second = await runner.pollOnce();
      assert.equal(second.events, 1);
      assert.equal(newTemplates.length, 1);
      assert.equal(newTemplates[0]!.template, 'ERROR charge <*> failed: payments timeout password=<*>');
      assert.equal(newTemplates[0]!.line, 'ERROR charge 7 failed: payments timeout password=[redacted]');
      assert.equal(second.points, 2, 'minute 3: one error, no requests');
      // The detectors' state for the log series sits in the same store the metrics' detectors use.
      const store = createRedisTelemetryStore({ redis, prefix });
      const errorsSeries = `infra/./web|Homeostat/Logs|ErrorLines|LogGroup=${group}|Sum`;
      const states = await store.detectorStates([errorsSeries]);
      assert.equal(states.get(errorsSeries)?.lastTimestamp, base + 3 * MIN);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      logs.destroy();
    }
  });
});
