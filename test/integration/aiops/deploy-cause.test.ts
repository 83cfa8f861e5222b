import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { createIncidentStore, type IncidentRecord } from '../../../orchestrator/correlate/incident-store.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import type { RunRecord } from '../../../orchestrator/records/run-record.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { resetMoto, testServices, uniqueId } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';
import { appliedDeployRun } from './recorded-deploy.ts';
import { as } from '../../support/test-tokens.ts';

const MIN = 60_000;
const STACK = 'infra/./sandbox';

/** A seeded PRNG, so the generated metrics are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('aiops: a deploy recorded just before a step change → incident with the deployment ranked first', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let serviceName: string;
  /** The real applied run of the initial commit, through which the service learnt the stack's health signals. */
  let initial: RunRecord;
  const saved: Record<string, string | undefined> = {};

  before(() => {
    // The standard AWS SDK chain reads these; moto accepts any.
    for (const [k, v] of Object.entries({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  // Each case has its own service, Redis prefix (tracker state, incidents, runs) and service name in moto.
  beforeEach(async () => {
    await resetMoto();
    fx = await createGitopsFixture({
      telemetry: { enabled: true, endpoint: testServices().motoUrl, pollIntervalSeconds: 1, initialLookbackSeconds: 6 * 3600, settleSeconds: 0 },
    });
    serviceName = uniqueId('svc');
    fx.setStackConfig('sandbox:serviceName', serviceName);
    service = await startService(fx.config);
    const commit = await fx.repo.commitAndPush('initial stacks');
    await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    initial = await fx.waitForRun(commit, 'applied');
  });
  afterEach(async () => {
    await service?.stop();
    await fx?.cleanup();
  });

  /**
   * Commits a new version of the service, records its deploy as finished
   * `deployLeadMs` before the error rate and latency step up, pushes four hours
   * of metrics (a steady baseline, then the step for the last 8 minutes, with
   * CPU and demand flat), and returns the stack's one incident once both
   * broken signals are in it, with the deployed commit.
   */
  async function stepChangeAfterDeploy(deployLeadMs: number): Promise<{ record: IncidentRecord; commit: string; stepAt: number }> {
    fx.setStackConfig('sandbox:version', 'v1.1.0');
    const commit = await fx.repo.commitAndPush('checkout: roll out v1.1.0');
    const end = Math.floor(Date.now() / MIN) * MIN - 2 * MIN;
    const stepAt = end - 7 * MIN;
    // record: the deploy worker's record of the apply; only its finish time and changes matter to diagnosis.
    await fx.store.save(appliedDeployRun(initial, commit, stepAt - deployLeadMs, [{ path: 'version', kind: 'update', replace: false, old: 'v1.0.0', new: 'v1.1.0' }]));

    // moto cannot read the gzipped bodies the SDK sends above 10 KB.
    const cw = new CloudWatchClient({ endpoint: testServices().motoUrl, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, disableRequestCompression: true });
    const rand = prng(11);
    const data: MetricDatum[] = [];
    const dims = [{ Name: 'ServiceName', Value: serviceName }];
    for (let i = 240; i >= 0; i--) {
      const t = new Date(end - i * MIN);
      const broken = i < 8;
      data.push({ MetricName: 'CPUUtilization', Dimensions: dims, Timestamp: t, Value: 38 + rand() * 6 });
      data.push({ MetricName: 'RequestCount', Dimensions: dims, Timestamp: t, Value: 1000 + rand() * 60 });
      data.push({ MetricName: 'LatencyP95', Dimensions: dims, Timestamp: t, Value: broken ? 430 + rand() * 40 : 120 + rand() * 10 });
      data.push({ MetricName: 'ErrorRate', Dimensions: dims, Timestamp: t, Value: broken ? 6 + rand() * 2 : 0.4 + rand() * 0.2 });
    }
    try {
      for (let i = 0; i < data.length; i += 500) {
        await cw.send(new PutMetricDataCommand({ Namespace: 'Homeostat/Sandbox', MetricData: data.slice(i, i + 500) }));
      }
    } finally {
      cw.destroy();
    }

    const redis = createRedis(testServices().redisUrl);
    try {
      const incidents = createIncidentStore(redis, fx.prefix);
      const ofStack = async () => (await incidents.list()).filter((r) => r.incident.signals.some((s) => s.stackKey === STACK));
      const first = await waitFor(
        'an incident of the sandbox stack with its error rate and latency',
        async () => (await ofStack()).find((r) => ['errors', 'latency'].every((id) => r.incident.signals.some((s) => s.signalId === id))),
        240_000,
        500,
      );
      // One incident, updated rather than duplicated, while it lasts; its last diagnosis is the one to judge.
      await sleep(3000);
      const all = await ofStack();
      assert.equal(all.length, 1, all.map((r) => r.incident.id).join(', '));
      const record = all[0]!;
      assert.equal(record.incident.id, first.incident.id);
      assert.equal(record.incident.onsetAt, stepAt, 'the incident starts with the step');
      assert.ok(!record.incident.signals.some((s) => s.signalId === 'cpu' || s.signalId === 'requests'), 'load stayed flat');
      return { record, commit, stepAt };
    } finally {
      await redis.quit();
    }
  }

  const ranking = (r: IncidentRecord) => JSON.stringify(r.causes.map((c) => [c.kind, c.confidence, c.commit?.slice(0, 7)]));

  it('ranks the deploy finished 3 minutes before the step first, as a deployment of its commit', async () => {
    const { record, commit } = await stepChangeAfterDeploy(3 * MIN);
    const top = record.causes[0]!;
    assert.equal(top.kind, 'deployment', ranking(record));
    assert.equal(top.commit, commit);
    assert.equal(top.stackKey, STACK);
    assert.deepEqual(top.diff, [{ resource: serviceName, path: 'version', old: 'v1.0.0', new: 'v1.1.0', op: 'update' }]);
    // 0.9 x version weight 1 x proximity (1 - 0.7 x 3/30) on the incident's own stack.
    assert.equal(top.confidence, 0.837);
    const short = commit.slice(0, 12);
    assert.ok(top.evidence.some((e) => e.includes(`commit ${short} applied to ${STACK}`) && e.includes('3 min before')), top.evidence.join('\n'));
    assert.ok(top.evidence.some((e) => e.includes(`${serviceName}.version: v1.0.0 -> v1.1.0 (version)`)), top.evidence.join('\n'));
    assert.match(record.summary, new RegExp(`Most likely \\(0\\.84\\): deployment of commit ${short} to ${STACK.replace(/\./g, '\\.')}`));
    // The initial apply, minutes after the onset, is no suspect.
    assert.ok(!record.causes.some((c) => c.commit === initial.commit), ranking(record));
    const api = (await (await fetch(`${service.url}/api/incidents`, { headers: as('viewer', false) })).json()) as { incidents: IncidentRecord[] };
    assert.equal(api.incidents[0]?.incident.id, record.incident.id);
    assert.equal(api.incidents[0]?.causes[0]?.commit, commit);
  });

  it('does not rank a deploy finished a day before the same step change first', async () => {
    const { record, commit } = await stepChangeAfterDeploy(24 * 60 * MIN);
    assert.ok((await fx.runs()).some((r) => r.commit === commit && r.status === 'applied'), 'the old deploy is on record');
    assert.notEqual(record.causes[0]?.kind, 'deployment', ranking(record));
    assert.ok(!record.causes.some((c) => c.commit === commit), ranking(record));
    // Nothing else explains a step with flat load: the fallback leads.
    assert.equal(record.causes[0]?.kind, 'unknown', ranking(record));
  });
});
