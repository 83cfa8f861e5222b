import assert from 'node:assert/strict';
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { createIncidentStore } from '../../../orchestrator/correlate/incident-store.ts';
import { analysisOf, readDeployRecords } from '../../../orchestrator/diagnose/diagnose-runner.ts';
import { createRunStore } from '../../../orchestrator/records/run-store.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { resetMoto, testServices, uniqueId } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';
import { as } from '../../support/test-tokens.ts';

/** A seeded PRNG, so the generated metrics are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('aiops: CloudWatch (moto) → anomaly → incident with a probable cause', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    await resetMoto();
    // The standard AWS SDK chain reads these; moto accepts any.
    for (const [k, v] of Object.entries({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    fx = await createGitopsFixture({
      telemetry: { enabled: true, endpoint: testServices().motoUrl, pollIntervalSeconds: 1, initialLookbackSeconds: 6 * 3600, settleSeconds: 0 },
    });
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('opens one incident for the saturated stack, with saturation ranked first', async () => {
    // A service name of its own keeps this test's metrics apart in the shared moto.
    const serviceName = uniqueId('svc');
    fx.setStackConfig('sandbox:serviceName', serviceName);
    service = await startService(fx.config);
    const commit = await fx.repo.commitAndPush('initial stacks');
    await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    await fx.waitForRun(commit, 'applied');

    // Four hours of a healthy service, then demand doubles and CPU pins near its limit.
    // moto cannot read the gzipped bodies the SDK sends above 10 KB.
    const cw = new CloudWatchClient({ endpoint: testServices().motoUrl, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, disableRequestCompression: true });
    const rand = prng(7);
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const data: MetricDatum[] = [];
    const dims = [{ Name: 'ServiceName', Value: serviceName }];
    for (let i = 240; i >= 0; i--) {
      const t = new Date(end - i * 60_000);
      const saturated = i < 8;
      data.push({ MetricName: 'CPUUtilization', Dimensions: dims, Timestamp: t, Value: saturated ? 94 + rand() * 4 : 38 + rand() * 6 });
      data.push({ MetricName: 'RequestCount', Dimensions: dims, Timestamp: t, Value: saturated ? 2100 + rand() * 100 : 1000 + rand() * 60 });
      data.push({ MetricName: 'LatencyP95', Dimensions: dims, Timestamp: t, Value: 120 + rand() * 10 });
      data.push({ MetricName: 'ErrorRate', Dimensions: dims, Timestamp: t, Value: 0.4 + rand() * 0.2 });
    }
    for (let i = 0; i < data.length; i += 500) {
      await cw.send(new PutMetricDataCommand({ Namespace: 'Homeostat/Sandbox', MetricData: data.slice(i, i + 500) }));
    }

    const redis = createRedis(testServices().redisUrl);
    try {
      const incidents = createIncidentStore(redis, fx.prefix);
      const record = await waitFor('an incident of the sandbox stack', async () => (await incidents.list()).find((r) => r.incident.signals.some((s) => s.stackKey === 'infra/./sandbox')), 240_000, 500);
      assert.equal(record.causes[0]?.kind, 'saturation', JSON.stringify(record.causes.map((c) => [c.kind, c.confidence])));
      assert.ok(record.incident.signals.some((s) => s.signalId === 'cpu'), 'CPU is among its signals');
      assert.match(record.summary, /saturation|CPU|cpu/i);
      // One incident, updated rather than duplicated, while it lasts.
      await new Promise((r) => setTimeout(r, 3000));
      const all = (await incidents.list()).filter((r) => r.incident.signals.some((s) => s.stackKey === 'infra/./sandbox'));
      assert.equal(all.length, 1);
      const api = (await (await fetch(`${service.url}/api/incidents`, { headers: as('viewer', false) })).json()) as { incidents: { incident: { id: string } }[] };
      assert.equal(api.incidents[0]?.incident.id, record.incident.id);
      // The dashboard's chart of it: the detector's score of each point, stored as it ran, highest in the saturated minutes.
      const series = (await (await fetch(`${service.url}/api/incidents/${encodeURIComponent(record.incident.id)}/series`, { headers: as('viewer', false) })).json()) as { signals: { signalId: string; scores: { t: number; s: number }[] }[] };
      const cpu = series.signals.find((x) => x.signalId === 'cpu')!;
      assert.ok(cpu.scores.length > 0 && cpu.scores.length <= 240, `${cpu.scores.length} scores, at most the 240 kept`);
      const top = cpu.scores.reduce((a, b) => (b.s > a.s ? b : a));
      assert.ok(top.t >= end - 8 * 60_000, `the highest score (${top.s}) is in the saturated minutes`);

      // One pass forward: the diagnosis travels with the incident. A later stage reads it as stored while no
      // input moved (no diagnosis made), and makes one again, once, when a newer point arrives.
      const stored = (await incidents.get(record.incident.id))!;
      assert.ok(stored.analysis, 'the incident record carries its analysis');
      assert.ok(stored.analysis.context.series.some((s) => s.signalId === 'cpu'));
      const made: string[] = [];
      const runner = { runs: createRunStore(redis, fx.prefix), incidents, onAnalysis: (id: string) => made.push(id) };
      const atRest = await analysisOf(runner, stored, await readDeployRecords(runner.runs));
      assert.deepEqual(atRest.freshness, { fresh: true });
      assert.deepEqual(atRest.causes, stored.causes);
      assert.equal(made.length, 0, 'no diagnosis made while its inputs are as they were');
      const cpuSeries = stored.incident.signals.find((s) => s.signalId === 'cpu')!.seriesId;
      await incidents.addRecent([{ seriesId: cpuSeries, timestamp: end + 60_000, value: 97 }]);
      const moved = await analysisOf(runner, stored, await readDeployRecords(runner.runs));
      assert.deepEqual(moved.freshness, { fresh: false, reason: 'new-data' });
      assert.deepEqual(made, [stored.incident.id]);
      assert.equal(moved.analysis.inputs.dataThrough, end + 60_000);
    } finally {
      await redis.quit();
    }
  });
});
