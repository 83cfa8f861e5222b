import assert from 'node:assert/strict';
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { createIncidentStore } from '../../../orchestrator/correlate/incident-store.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import type { SignalHealth } from '../../../orchestrator/telemetry/index.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { cuttableRelay, type CuttableRelay } from '../../support/cuttable-relay.ts';
import { resetMoto, testServices, uniqueId } from '../../support/services.ts';
import { as } from '../../support/test-tokens.ts';
import { waitFor } from '../../support/wait.ts';
import { startServiceProcess } from '../../support/worker-process.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

const MINUTE = 60_000;

describe('aiops: a CloudWatch outage through the service', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService | undefined;
  let relay: CuttableRelay;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    await resetMoto();
    for (const [k, v] of Object.entries({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    relay = await cuttableRelay(new URL(testServices().motoUrl));
    fx = await createGitopsFixture({
      telemetry: { enabled: true, endpoint: relay.url, pollIntervalSeconds: 1, initialLookbackSeconds: 6 * 3600, settleSeconds: 0 },
    });
  });
  after(async () => {
    await service?.stop();
    await relay?.close();
    await fx?.cleanup();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('marks the signals stale without opening an incident, then resumes from its watermark with no gap and no duplicate', async () => {
    const serviceName = uniqueId('svc');
    fx.setStackConfig('sandbox:serviceName', serviceName);
    service = await startService(fx.config);
    const signals = async () => ((await (await fetch(`${service!.url}/api/signals`, { headers: as('viewer', false) })).json()) as { signals: SignalHealth[] }).signals.filter((s) => s.stackKey === 'infra/./sandbox');
    const commit = await fx.repo.commitAndPush('initial stacks');
    await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    await fx.waitForRun(commit, 'applied');

    // moto cannot read the gzipped bodies the SDK sends above 10 KB.
    const cw = new CloudWatchClient({ endpoint: testServices().motoUrl, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, disableRequestCompression: true });
    const dims = [{ Name: 'ServiceName', Value: serviceName }];
    const publish = async (fromMinute: number, toMinute: number) => {
      const data: MetricDatum[] = [];
      for (let m = fromMinute; m <= toMinute; m++) {
        const t = new Date(m * MINUTE);
        // Healthy and steady, with a value of its own per minute (so each stored point is told apart).
        const wobble = Math.sin(m) * 2;
        data.push({ MetricName: 'CPUUtilization', Dimensions: dims, Timestamp: t, Value: 40 + wobble });
        data.push({ MetricName: 'RequestCount', Dimensions: dims, Timestamp: t, Value: 1000 + wobble * 10 });
        data.push({ MetricName: 'LatencyP95', Dimensions: dims, Timestamp: t, Value: 120 + wobble });
        data.push({ MetricName: 'ErrorRate', Dimensions: dims, Timestamp: t, Value: 0.5 + wobble / 10 });
        data.push({ MetricName: 'DiskUsedPercent', Dimensions: dims, Timestamp: t, Value: 30 + wobble });
      }
      for (let i = 0; i < data.length; i += 400) await cw.send(new PutMetricDataCommand({ Namespace: 'Homeostat/Sandbox', MetricData: data.slice(i, i + 400) }));
    };
    const nowMinute = Math.floor(Date.now() / MINUTE);
    const outageFrom = nowMinute - 14;
    const last = nowMinute - 2;
    // Four hours of history up to the outage.
    await publish(outageFrom - 240, outageFrom - 1);
    const cpu = await waitFor('the CPU signal read up to the outage', async () => {
      const s = (await signals()).find((x) => x.signalId === 'cpu');
      return s?.status === 'ok' && s.lastPointAt === (outageFrom - 1) * MINUTE ? s : undefined;
    }, 240_000, 500);

    // CloudWatch goes away; the minutes keep coming into it meanwhile.
    relay.cut();
    const stale = await waitFor('the signals stale', async () => {
      const all = await signals();
      return all.length > 0 && all.every((s) => s.status === 'stale') ? all : undefined;
    }, 120_000, 500);
    assert.ok(stale.every((s) => s.reason === 'SourceUnavailable'), JSON.stringify(stale.map((s) => [s.signalId, s.reason, s.error])));
    await publish(outageFrom, last);
    // A while down, polled every second: no incident comes of an outage.
    await new Promise((r) => setTimeout(r, 5000));

    relay.mend();
    await waitFor('every signal fresh again, up to the last published minute', async () => {
      const all = await signals();
      return all.length > 0 && all.every((s) => s.status === 'ok' && s.lastPointAt === last * MINUTE) ? all : undefined;
    }, 240_000, 500);

    const redis = createRedis(testServices().redisUrl);
    try {
      const incidents = createIncidentStore(redis, fx.prefix);
      // Every minute of the outage read once, none missing: the stored points are exactly the published minutes.
      const points = (await incidents.recent(cpu.seriesId)).map((p) => p.timestamp);
      const expected: number[] = [];
      for (let m = outageFrom - 1; m <= last; m++) expected.push(m * MINUTE);
      assert.deepEqual(points.filter((t) => t >= (outageFrom - 1) * MINUTE), expected);
      assert.equal(new Set(points).size, points.length);
      // Give the analysis a moment to act on what was read after the outage: the gap is not an anomaly.
      await new Promise((r) => setTimeout(r, 5000));
      const opened = (await incidents.list()).filter((r) => r.incident.signals.some((s) => s.stackKey === 'infra/./sandbox'));
      assert.deepEqual(opened.map((r) => r.summary), [], 'no incident from the outage or the gap');
    } finally {
      await redis.quit();
    }
  });

  it('a second process, which does not read CloudWatch, shows the reader\'s signals rather than an empty list', async () => {
    const other = await startServiceProcess(fx.writeConfigFile(), fx.env, []);
    try {
      const url = /serving on (http:\/\/\S+?),? /.exec(other.output())?.[1];
      assert.ok(url, other.output());
      const theirs = async () => ((await (await fetch(`${url}/api/signals`, { headers: as('viewer', false) })).json()) as { signals: SignalHealth[] }).signals;
      const reader = (await (await fetch(`${service!.url}/api/signals`, { headers: as('viewer', false) })).json()) as { signals: SignalHealth[] };
      assert.ok(reader.signals.length > 0);
      // The reader publishes after each poll (every second here): the second process shows that list.
      const shown = await waitFor('the second process to show the reader\'s signals', async () => {
        const all = await theirs();
        return all.length === reader.signals.length ? all : undefined;
      }, 30_000, 250);
      assert.deepEqual(shown.map((s) => [s.seriesId, s.status]).sort(), reader.signals.map((s) => [s.seriesId, s.status]).sort());
    } finally {
      await other.kill('SIGTERM');
    }
  });
});
