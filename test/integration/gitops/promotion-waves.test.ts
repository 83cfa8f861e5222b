import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createAuditLog } from '../../../orchestrator/audit/index.ts';
import type { Promotion } from '../../../orchestrator/promote/promotion.ts';
import { createIncidentStore } from '../../../orchestrator/correlate/incident-store.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createRemediationStore } from '../../../orchestrator/remediate/remediation-store.ts';
import type { RunRecord } from '../../../orchestrator/records/run-record.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { formatTimelineEvent, type TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { resetMoto, testServices, uniqueId } from '../../support/services.ts';
import { createCloudWatchClient } from '../../../orchestrator/telemetry/cloudwatch-reader.ts';
import { as, TEST_TOKENS } from '../../support/test-tokens.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

/**
 * One project with three stacks in three waves (staging → prod-canary →
 * prod-*), a soak of 10 s, the real engine on a file backend. Plain
 * JavaScript programs of one dynamic resource (the release), no provider
 * plugin. Each push changes the release's version, so all three stacks
 * apply it, one wave at a time. Telemetry is on, against moto: a stack whose
 * program exports a `homeostat` contract is watched, its points go through
 * the detector and the correlator, and an incident on a soaking wave halts
 * the promotion. Remediation is on: that incident goes through the usual
 * gate.
 */
const SOAK_MS = 10_000;
const MIN = 60_000;
/** Calm points around 120 ms (seeded, the same each run): the detector learns them as normal. */
const calm = (m: number) => 120 + 4 * Math.sin(m * 12.9898 + 1) * Math.cos(m * 78.233 + 7);
/**
 * The app's release as a resource: a dynamic resource needs no provider
 * plugin, and a new version is then a change to a resource, which diagnosis
 * counts as a deployment (an apply of outputs alone changes nothing in the
 * cloud, and is none).
 */
const program = (version: string) => `import * as pulumi from '@pulumi/pulumi';
const release = { async create(inputs) { return { id: 'app', outs: inputs }; }, async update(_id, _olds, news) { return { outs: news }; } };
new pulumi.dynamic.Resource(release, 'app', { version: '${version}' });
export const version = '${version}';
`;

const S = 'infra/w/staging';
const C = 'infra/w/prod-canary';
const P = 'infra/w/prod-east';

describe('gitops: promotion waves (staging → prod-canary → prod-*)', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let previous = ZERO_SHA;
  const timeline: TimelineEvent[] = [];

  async function push(message: string): Promise<string> {
    const commit = await fx.repo.commitAndPush(message);
    const res = await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', previous, commit) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    previous = commit;
    return commit;
  }

  /** The stack's applied run of the commit; on a timeout, what the runs were doing. */
  async function appliedRun(stackKey: string, commit: string, timeoutMs = 240_000): Promise<RunRecord> {
    try {
      return await waitFor(`an applied run of ${stackKey}@${commit.slice(0, 7)}`, async () => {
        const runs = await fx.store.list({ stackKey, limit: 50 });
        return runs.find((r) => r.commit === commit && r.phase === 'done' && (r.status === 'applied' || r.status === 'unchanged'));
      }, timeoutMs, 250);
    } catch (err) {
      const runs = await fx.store.list({ limit: 30 });
      const seen = runs.map((r) => `${r.stackKey} ${r.commit.slice(0, 7)} ${r.status}/${r.phase} ${r.reason ?? ''} ${r.message ?? ''}`.slice(0, 300));
      throw new Error(`${(err as Error).message}; runs:\n${seen.join('\n')}\npromotions: ${JSON.stringify(await promotions())}`, { cause: err });
    }
  }

  async function promotions(): Promise<Promotion[]> {
    const res = await fetch(`${service.url}/api/promotions`, { headers: as('viewer') });
    assert.equal(res.status, 200);
    return ((await res.json()) as { promotions: Promotion[] }).promotions;
  }
  const promotionOf = async (commit: string) => (await promotions()).find((p) => p.commit === commit);

  /** `later` started no sooner than a soak after `earlier` finished. */
  function soakedBefore(later: RunRecord, earlier: RunRecord): void {
    const gap = Date.parse(later.timings.startedAt!) - Date.parse(earlier.timings.finishedAt!);
    assert.ok(gap >= SOAK_MS, `${later.stackKey} started ${gap} ms after ${earlier.stackKey} finished, within the ${SOAK_MS} ms soak`);
  }

  const AWS_ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
  const savedEnv = Object.fromEntries(Object.keys(AWS_ENV).map((k) => [k, process.env[k]]));

  before(async () => {
    await resetMoto();
    Object.assign(process.env, AWS_ENV);
    const telemetry = { enabled: true, endpoint: testServices().motoUrl, pollIntervalSeconds: 0.5, initialLookbackSeconds: 8 * 3600, settleSeconds: 0, incidentQuietSeconds: 6 * 3600 };
    // Remediation on, with no evidence wait: the halt's incident goes through the usual gate at once.
    const remediation = { enabled: true, evidenceSeconds: 0 };
    fx = await createGitopsFixture({ telemetry, remediation }, { stacks: ['staging', 'prod-canary', 'prod-east'], promotion: { waves: [{ name: 'staging', stacks: ['staging'] }, { name: 'canary', stacks: ['prod-canary'] }, { name: 'prod', stacks: ['prod-*'] }], soak: '10s' } });
    service = await startService(fx.config, { engineEnv: { HOMEOSTAT_FLEET_URL: fx.fleet.url }, emit: (e) => {
      timeline.push(e);
      // HOMEOSTAT_TEST_TIMELINE=1 prints the service's timeline, to follow a failing case.
      if (process.env.HOMEOSTAT_TEST_TIMELINE) console.log(formatTimelineEvent(e));
    } });
    const dir = join(fx.repo.workDir, 'w');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'Pulumi.yaml'), 'name: w\nruntime: nodejs\nmain: index.js\n');
    for (const stack of ['staging', 'prod-canary', 'prod-east']) writeFileSync(join(dir, `Pulumi.${stack}.yaml`), 'config: {}\n');
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('applies a change wave by wave, each wave only after the one before soaked healthy, and shows where it stands', async () => {
    writeFileSync(join(fx.repo.workDir, 'w', 'index.js'), program('1'));
    const commit = await push('three stacks in three waves');
    const s = await appliedRun(S, commit);
    const c = await appliedRun(C, commit);
    const p = await appliedRun(P, commit);
    soakedBefore(c, s);
    soakedBefore(p, c);
    // The held jobs said so once, each naming the wave it waited for.
    const held = timeline.filter((e) => e.commit === commit && e.outcome === 'held');
    assert.deepEqual(held.map((e) => e.stack).sort(), ['prod-canary', 'prod-east']);
    assert.match(held.find((e) => e.stack === 'prod-east')!.message, /^held for promotion: waiting for wave (staging|canary) \((applying|soaking|waiting)\)$/);

    const done = await waitFor('the promotion done', async () => ((await promotionOf(commit))?.state === 'done' ? promotionOf(commit) : undefined), 30_000, 250);
    assert.deepEqual(done!.waves.map((w) => [w.name, w.state, w.stacks]), [['staging', 'passed', [S]], ['canary', 'passed', [C]], ['prod', 'passed', [P]]]);
    // What the dashboard shows as "which stacks applied": each wave's last look at its stacks' applies.
    assert.deepEqual(done!.waves.map((w) => w.applies), [{ [S]: 'applied' }, { [C]: 'applied' }, { [P]: 'applied' }]);

    const cli = await promisify(execFile)(process.execPath, ['orchestrator/cli/bin.mjs', '--url', service.url!, 'promotions'], { cwd: PROJECT_ROOT, env: { ...process.env, HOMEOSTAT_TOKEN: TEST_TOKENS['viewer']! } });
    assert.match(cli.stdout, new RegExp(`infra +${commit.slice(0, 7)} +done +staging:passed → canary:passed → prod:passed`));
  });

  it("holds the last wave while an operator pauses the promotion, and applies it after the operator's resume (audited)", async () => {
    writeFileSync(join(fx.repo.workDir, 'w', 'index.js'), program('2'));
    const commit = await push('version 2');
    await appliedRun(S, commit);
    const c = await appliedRun(C, commit);
    const url = `${service.url}/api/promotions/infra/${commit}`;
    // A viewer may look but not pause; the body may not name who pauses.
    assert.equal((await fetch(`${url}/pause`, { method: 'POST', headers: as('viewer'), body: '{}' })).status, 403);
    assert.equal((await fetch(`${url}/pause`, { method: 'POST', headers: as('sam'), body: JSON.stringify({ by: 'someone-else' }) })).status, 400);
    const paused = await fetch(`${url}/pause`, { method: 'POST', headers: as('sam'), body: '{}' });
    assert.equal(paused.status, 200, await paused.clone().text());
    assert.equal(((await paused.json()) as { promotion: Promotion }).promotion.state, 'paused');

    // Twice the soak after the canary's apply: still held.
    await sleep(Math.max(0, Date.parse(c.timings.finishedAt!) + 2 * SOAK_MS - Date.now()));
    const runs = await fx.store.list({ stackKey: P, limit: 20 });
    assert.equal(runs.find((r) => r.commit === commit && r.status !== 'skipped'), undefined, 'prod-east ran while the promotion was paused');
    assert.equal((await promotionOf(commit))?.state, 'paused');

    const resumed = await fetch(`${url}/resume`, { method: 'POST', headers: as('sam'), body: '{}' });
    assert.equal(resumed.status, 200, await resumed.clone().text());
    const p = await appliedRun(P, commit, 60_000);
    assert.ok(Date.parse(p.timings.startedAt!) >= Date.parse(c.timings.finishedAt!) + 2 * SOAK_MS);

    const redis = createRedis(testServices().redisUrl);
    const audit = createAuditLog(redis, fx.prefix);
    try {
      const entries = (await audit.list({ type: 'control-changed', limit: 10 })).filter((e) => e.commit === commit);
      assert.deepEqual(entries.map((e) => [e.actor, e.data['promotion']]).reverse(), [['sam', 'pause'], ['sam', 'resume']]);
    } finally {
      await audit.close();
      await redis.quit();
    }
  });
  it("halts on the canary's latency turning abnormal after it applied the change, naming the commit, and goes on after an operator's resume", async () => {
    // The canary's latency: its contract names it, moto holds four calm hours of it.
    const id = uniqueId('canary');
    // The service's region (AWS_REGION above): moto keeps each region's metrics apart.
    const cw = createCloudWatchClient({ endpoint: testServices().motoUrl, region: AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, disableRequestCompression: true });
    const base = Math.floor(Date.now() / MIN) * MIN - 120 * MIN;
    const put = (minutes: number[], value: (m: number) => number) =>
      cw.send(new PutMetricDataCommand({ Namespace: `Homeostat/${id}`, MetricData: minutes.map((m) => ({ MetricName: 'LatencyP95', Dimensions: [{ Name: 'Test', Value: id }], Timestamp: new Date(base + m * MIN), Value: value(m) })) }));
    try {
      const history = Array.from({ length: 240 }, (_, i) => i - 130);
      for (let i = 0; i < history.length; i += 100) await put(history.slice(i, i + 100), calm);
      const contract = { kind: 'sandbox', alarms: [], remediable: [], healthSignals: [{ id: 'latency', namespace: `Homeostat/${id}`, metricName: 'LatencyP95', dimensions: { Test: id }, stat: 'Average', period: 60, role: 'latency', higherIsWorse: true, resource: 'w' }] };
      writeFileSync(join(fx.repo.workDir, 'w', 'index.js'), `${program('3')}export const homeostat = pulumi.getStack() === 'prod-canary' ? ${JSON.stringify(contract)} : undefined;\n`);
      const commit = await push('version 3, and the canary watched');
      await appliedRun(S, commit);
      const c = await appliedRun(C, commit);
      // Calm until the canary applied the new version; slow from the minute of its apply on
      // (the rollout is under way before the run finishes). Later minutes are read as they end.
      const applied = Math.floor((Date.parse(c.timings.finishedAt!) - base) / MIN);
      await put(Array.from({ length: applied - 110 }, (_, i) => 110 + i), calm);
      await put([applied, applied + 1, applied + 2], () => 900);

      const halted = await waitFor('the promotion halted', async () => {
        const p = await promotionOf(commit);
        return p?.state === 'halted' ? p : undefined;
      }, 180_000, 250);
      assert.equal(halted.halt?.wave, 'canary');
      assert.equal(halted.halt?.stackKey, C);
      assert.match(halted.halt?.incidentId ?? '', /^infra\/w\/prod-canary@/);
      assert.match(halted.halt!.reason, new RegExp(`^${commit.slice(0, 7)} made wave canary unhealthy: incident infra/w/prod-canary@\\S+ on infra/w/prod-canary opened after it applied the change$`));
      assert.deepEqual(halted.waves.map((w) => w.state), ['passed', 'halted', 'waiting']);
      const said = timeline.find((e) => e.commit === commit && e.outcome === 'halted');
      assert.equal(said?.incident, halted.halt?.incidentId);

      // The incident names the commit: diagnosed as the canary's deployment of it.
      const records = createRedis(testServices().redisUrl);
      try {
        const incident = await createIncidentStore(records, fx.prefix).get(halted.halt!.incidentId!);
        const top = incident?.causes[0];
        assert.deepEqual([top?.kind, top?.commit, top?.stackKey], ['deployment', commit, C], JSON.stringify(incident?.causes));
        // Its revert is proposed through the usual gate: a medium-risk revert waits for a person.
        const proposed = await waitFor('a remediation of the incident past its proposal', async () => {
          const rec = (await createRemediationStore(records, fx.prefix).list({ incidentId: halted.halt!.incidentId! }))[0];
          return rec && !['proposing', 'checking'].includes(rec.state) ? rec : undefined;
        }, 120_000, 250);
        const revert = proposed.proposal?.kind === 'revert' ? proposed.proposal : undefined;
        assert.deepEqual([proposed.playbook, revert?.commit, revert?.stackKey], ['rollback-deploy', commit, C], JSON.stringify(proposed.events));
        assert.equal(proposed.state, 'review', JSON.stringify(proposed.events));
        assert.match(proposed.decision!.reasons.join('; '), /risk is medium/);
      } finally {
        await records.quit();
      }

      // Held: prod-east does not run while the promotion is halted.
      await sleep(3000);
      assert.equal((await fx.store.list({ stackKey: P, limit: 20 })).find((r) => r.commit === commit && r.status !== 'skipped'), undefined, 'prod-east ran while the promotion was halted');

      const resumed = await fetch(`${service.url}/api/promotions/infra/${commit}/resume`, { method: 'POST', headers: as('sam'), body: '{}' });
      assert.equal(resumed.status, 200, await resumed.clone().text());
      await appliedRun(P, commit, 60_000);

      const redis = createRedis(testServices().redisUrl);
      const audit = createAuditLog(redis, fx.prefix);
      try {
        const escalated = (await audit.list({ type: 'escalated', limit: 10 })).find((e) => e.commit === commit);
        assert.equal(escalated?.incidentId, halted.halt?.incidentId);
        assert.match(escalated?.summary ?? '', new RegExp(`^promotion of ${commit.slice(0, 7)} halted at wave canary: `));
        const resume = (await audit.list({ type: 'control-changed', limit: 10 })).find((e) => e.commit === commit);
        assert.deepEqual([resume?.actor, resume?.data['promotion']], ['sam', 'resume']);
      } finally {
        await audit.close();
        await redis.quit();
      }
    } finally {
      cw.destroy();
    }
  });
});
