import assert from 'node:assert/strict';
import { CloudWatchLogsServiceException, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createCloudWatchLogsClient, createCloudWatchLogsReader } from '../../../orchestrator/logs/cloudwatch-logs-reader.ts';
import { createLogPoller, type LogEventsBatch, type LogPollerOptions } from '../../../orchestrator/logs/log-poller.ts';
import { createRedisLogWatermarkStore } from '../../../orchestrator/logs/log-watermark-store.ts';
import type { WatchedLogGroup } from '../../../orchestrator/logs/log-groups.ts';
import { testServices, uniqueId } from '../../support/services.ts';

const MIN = 60_000;

describe('CloudWatch Logs ingestion (moto, Redis)', function () {
  this.timeout(30_000);
  const motoLogs = () => createCloudWatchLogsClient({ endpoint: testServices().motoUrl, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  let logs: ReturnType<typeof motoLogs>;
  let redis: ReturnType<typeof createRedis>;
  let prefix: string;
  let group: WatchedLogGroup;
  let streams: Set<string>;
  // A clock half an hour back, so every event is settled and inside moto's 14-day acceptance window.
  const base = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;

  before(() => {
    logs = motoLogs();
    redis = createRedis(testServices().redisUrl);
  });
  beforeEach(async () => {
    prefix = uniqueId('logs');
    group = { stackKey: 'infra/./web', logGroupId: 'app', name: `/homeostat/test/${uniqueId('g')}`, resource: 'web' };
    streams = new Set();
    await logs.send(new CreateLogGroupCommand({ logGroupName: group.name }));
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });
  after(async () => {
    await redis.quit();
    logs.destroy();
  });

  /** Writes events to a stream, `[ms after base, message]`, in time order as PutLogEvents requires. */
  async function put(stream: string, events: [number, string][]): Promise<void> {
    if (!streams.has(stream)) await logs.send(new CreateLogStreamCommand({ logGroupName: group.name, logStreamName: stream }));
    streams.add(stream);
    await logs.send(new PutLogEventsCommand({ logGroupName: group.name, logStreamName: stream, logEvents: events.map(([t, message]) => ({ timestamp: base + t, message })) }));
  }

  /** A poller on a fresh reader and store over the same Redis prefix: a new one is a restart. */
  function poller(sink: (b: LogEventsBatch) => void, options: Partial<LogPollerOptions> = {}) {
    return createLogPoller({
      reader: createCloudWatchLogsReader({ client: logs }),
      store: createRedisLogWatermarkStore({ redis, prefix }),
      groups: [group],
      onEvents: sink,
      now: () => base + 20 * MIN,
      sleep: async () => {},
      random: () => 0.5,
      options: { settleMs: 0, initialLookbackMs: 60 * MIN, overlapMs: 5 * MIN, ...options },
    });
  }

  function collector() {
    const batches: LogEventsBatch[] = [];
    return { batches, sink: (b: LogEventsBatch) => void batches.push(b), messages: () => batches.flatMap((b) => b.events.map((e) => e.message)) };
  }

  it('reads events written with PutLogEvents once, in time order, with their stack and group', async () => {
    await put('web-1', [[1000, 'GET /a 200'], [3000, 'GET /b 200'], [5000, 'GET /c 500']]);
    await put('web-2', [[2000, 'worker started'], [4000, 'worker idle']]);
    const out = collector();
    const p = poller(out.sink);
    const first = await p.pollOnce();
    assert.equal(first.events, 5);
    assert.deepEqual(out.messages(), ['GET /a 200', 'worker started', 'GET /b 200', 'worker idle', 'GET /c 500']);
    assert.deepEqual(out.batches.map((b) => [b.stackKey, b.logGroupId, b.group]), [['infra/./web', 'app', group.name]]);
    const again = await p.pollOnce();
    assert.equal(again.events, 0, 'nothing new: nothing emitted');
    assert.equal(out.messages().length, 5);
  });

  it('resumes after a restart without duplicates, also within a millisecond already read', async () => {
    await put('web-1', [[1000, 'a1'], [1000, 'a2'], [1000, 'a3']]);
    const before = collector();
    await poller(before.sink).pollOnce();
    assert.deepEqual(before.messages(), ['a1', 'a2', 'a3']);
    // More events arrive in the same millisecond the watermark sits on, and after it; then the service restarts.
    await put('web-1', [[1000, 'a4'], [1000, 'a5'], [1001, 'b1']]);
    await put('web-2', [[500, 'late stream']]);
    const after = collector();
    // The overlap reaches back over them: it is what catches events that land behind a read.
    const summary = await poller(after.sink, { overlapMs: 30 * MIN }).pollOnce();
    assert.deepEqual(after.messages().sort(), ['a4', 'a5', 'b1', 'late stream']);
    assert.equal(summary.events, 4);
  });

  it('reads across pages without gaps, and a page the sink refused is read again without repeats', async () => {
    // 30 events over three streams, many sharing a millisecond, so pages of 4 cut through equal timestamps.
    const all: string[] = [];
    for (const s of ['s1', 's2', 's3']) {
      const evs: [number, string][] = Array.from({ length: 10 }, (_, i) => [1000 + Math.floor(i / 3) * 10, `${s}-${i}`]);
      await put(s, evs);
      all.push(...evs.map(([, m]) => m));
    }
    const out = collector();
    let refuse = true;
    const flaky = (b: LogEventsBatch) => {
      // The third page's events are refused once: the poll stops there, as a failing detector store would stop it.
      if (refuse && out.batches.length === 2) {
        refuse = false;
        throw new Error('sink down');
      }
      out.sink(b);
    };
    await assert.rejects(poller(flaky, { pageLimit: 4 }).pollOnce(), /sink down/);
    const resumed = await poller(flaky, { pageLimit: 4 }).pollOnce();
    assert.deepEqual(resumed.failed, []);
    const got = out.messages();
    assert.equal(got.length, 30, `each event once: ${got.join(' ')}`);
    assert.deepEqual([...got].sort(), [...all].sort());
    for (const s of ['s1', 's2', 's3']) assert.deepEqual(got.filter((m) => m.startsWith(`${s}-`)), Array.from({ length: 10 }, (_, i) => `${s}-${i}`), `${s} in order`);
  });

  it('retries a throttled read on the backoff schedule, and passes over a group that does not exist yet without stopping', async () => {
    await put('web-1', [[1000, 'hello']]);
    const client = motoLogs();
    let throttles = 2;
    const delays: number[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'FilterLogEventsCommand' && throttles-- > 0) {
          throw new CloudWatchLogsServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttle' },
    );
    const out = collector();
    const missing: WatchedLogGroup = { ...group, logGroupId: 'gone', name: `/homeostat/test/${uniqueId('missing')}` };
    const p = createLogPoller({
      reader: createCloudWatchLogsReader({ client }),
      store: createRedisLogWatermarkStore({ redis, prefix }),
      groups: [missing, group],
      onEvents: out.sink,
      now: () => base + 20 * MIN,
      sleep: async (ms) => void delays.push(ms),
      random: () => 0.5,
      options: { settleMs: 0, initialLookbackMs: 60 * MIN },
    });
    const summary = await p.pollOnce();
    assert.deepEqual(delays, [750, 1500], 'throttling waits on the throttle base (1 s), doubling, with equal jitter');
    assert.equal(summary.retries, 2);
    assert.deepEqual(out.messages(), ['hello']);
    // A group a contract names may appear only when its service first logs: not a failure, and nothing of it committed.
    assert.deepEqual(summary.failed, []);
    assert.deepEqual(summary.missing, [missing.name]);
    assert.equal(await createRedisLogWatermarkStore({ redis, prefix }).readTo(missing.name), undefined);
    client.destroy();
  });
});
