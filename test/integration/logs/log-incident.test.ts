import assert from 'node:assert/strict';
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startCorrelateWorker } from '../../../orchestrator/correlate/correlate-worker.ts';
import type { IncidentRecord } from '../../../orchestrator/correlate/incident-store.ts';
import { createSignalQueue } from '../../../orchestrator/correlate/signal-queue.ts';
import { createCloudWatchLogsClient } from '../../../orchestrator/logs/cloudwatch-logs-reader.ts';
import { createLogEvidenceStore } from '../../../orchestrator/logs/log-evidence-store.ts';
import { createStackLock } from '../../../orchestrator/queue/stack-lock.ts';
import { RunRecordSchema } from '../../../orchestrator/records/run-record.ts';
import { applyRun, initialStatus, startRun } from '../../../orchestrator/records/stack-status.ts';
import { createReaderTurn } from '../../../orchestrator/runtime/reader-turn.ts';
import { startLogStage } from '../../../orchestrator/service/log-stage.ts';
import type { TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { previewRun } from '../../support/run-records.ts';
import { TEST_TOKENS } from '../../support/test-tokens.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { startDashboardServer, type DashboardServer } from '../dashboard/dashboard-server.ts';

const MIN = 60_000;
const STACK = 'infra/./sandbox';
const RELEASE = 'd'.repeat(40);

/** Ordinary lines of one minute (requests, a cache refresh, now and then an ordinary error), and after the release a new error. */
function minuteOfLogs(m: number, badFrom: number): string[] {
  const lines = Array.from({ length: 8 }, (_, i) => `GET /orders/${(m * 31 + i * 7) % 9000} 200 in ${(m + i * 13) % 90} ms`);
  lines.push(`cache refresh for tenant ${m % 50} done`);
  if (m % 13 === 0) lines.push('ERROR cache refresh for tenant 4 slow');
  if (m >= badFrom) for (let i = 0; i < 30; i++) lines.push(`ERROR checkout ${m * 100 + i} failed: PriceRule NullPointerException token=s3cr3t${i}`);
  return lines;
}

describe('logs in the service: error lines after a deploy become an incident that names the deploy (moto, Redis, HTTP)', function () {
  this.timeout(120_000);
  let server: DashboardServer;
  // The service reads Logs with the SDK's credential chain, as it reads metrics: moto takes any key.
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  before(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    server = await startDashboardServer();
  });
  after(async () => {
    await server?.close();
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('reads the contract\'s log group, opens an incident with the redacted lines, and the diagnosis names the release with the new template', async () => {
    const { redis, prefix, store, incidents } = server;
    const logs = createCloudWatchLogsClient({ endpoint: testServices().motoUrl, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const group = `/homeostat/sandbox/${uniqueId('checkout')}`;
    // 170 minutes of logs ending now: the detector warms up on 150 points; the release lands at minute 158, its errors from minute 160.
    const base = Math.floor(Date.now() / MIN) * MIN - 170 * MIN;
    const badFrom = 160;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'checkout-1' }));
    const events = Array.from({ length: 170 }, (_, m) => minuteOfLogs(m, badFrom).map((message, i) => ({ timestamp: base + m * MIN + i * 100, message }))).flat();
    for (let i = 0; i < events.length; i += 5000) await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'checkout-1', logEvents: events.slice(i, i + 5000) }));

    // The stack as the deploy stage leaves it: applied at the release, its contract naming the log group.
    const appliedAt = new Date(base + 158 * MIN).toISOString();
    const run = RunRecordSchema.parse(
      previewRun({
        id: 'r-release',
        jobId: `${STACK}@${RELEASE}`,
        commit: RELEASE,
        apply: true,
        status: 'applied',
        trigger: { kind: 'push', deliveryId: 'd-release', forge: 'github', ref: 'refs/heads/main' },
        timings: { enqueuedAt: appliedAt, startedAt: appliedAt, finishedAt: appliedAt },
        // A release: the service's version went from 1.4.2 to 1.5.0.
        applySummary: {
          counts: { create: 0, update: 1, replace: 0, delete: 0, same: 0 },
          resources: [{ urn: 'urn:pulumi:sandbox::homeostat-infra::pulumi-nodejs:dynamic/homeostat:SandboxService::checkout', type: 'pulumi-nodejs:dynamic/homeostat:SandboxService', name: 'checkout', op: 'update', changes: [{ path: 'version', kind: 'update', replace: false, old: '1.4.2', new: '1.5.0' }] }],
          policyViolations: [],
          outputs: {},
          errors: [],
        },
      }),
    );
    const contract = { kind: 'sandbox', healthSignals: [], alarms: [], remediable: [], logGroups: [{ id: 'app', name: group, resource: 'checkout' }] };
    await store.save(run);
    await store.saveStatus(applyRun(startRun(initialStatus(STACK, appliedAt), run, appliedAt), run, appliedAt, { homeostat: contract }));

    const timeline: TimelineEvent[] = [];
    const emit = (e: TimelineEvent) => void timeline.push(e);
    const signals = createSignalQueue(redis, prefix);
    const evidence = createLogEvidenceStore(redis, { prefix });
    const analysis = startCorrelateWorker({ connection: redis, prefix, runs: store, incidents, lock: createStackLock(redis, { prefix }), emit, logs: evidence });
    const stage = startLogStage({ redis, prefix, store, signals, emit }, { evidence, pollIntervalMs: 3_600_000, endpoint: testServices().motoUrl, region: 'eu-west-1', initialLookbackMs: 180 * MIN, settleMs: 0 });
    try {
      const summary = await stage.pollOnce();
      assert.equal(summary.events, events.length, JSON.stringify(timeline));
      assert.deepEqual(summary.failed, []);
      assert.ok(summary.anomalies >= 1, `the error burst is a log anomaly: ${JSON.stringify(summary)}`);

      let record: IncidentRecord | undefined;
      for (let i = 0; i < 100 && !record?.logs; i++) {
        record = (await incidents.list(5))[0];
        if (!record?.logs) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(record, 'an incident opened');
      assert.ok(record.incident.signals.some((s) => s.signalId === 'logs-app-errors'), JSON.stringify(record.incident.signals));

      // The lines behind it, redacted, served by the API.
      const res = await fetch(`${server.url}/api/incidents/${encodeURIComponent(record.incident.id)}`, { headers: { authorization: `Bearer ${TEST_TOKENS.viewer}` } });
      assert.equal(res.status, 200);
      const served = (await res.json()) as IncidentRecord;
      const newError = served.logs?.[0];
      assert.ok(newError, JSON.stringify(served));
      assert.equal(newError.template, 'ERROR checkout <*> failed: PriceRule NullPointerException token=<*>');
      assert.equal(newError.level, 'error');
      assert.equal(newError.firstSeenAt, base + badFrom * MIN + 900, "the first error line: the tenth of its minute");
      assert.equal(newError.lines.length, 3);
      for (const line of newError.lines) assert.match(line, /^ERROR checkout \d+ failed: PriceRule NullPointerException token=\[redacted\]$/);
      assert.doesNotMatch(JSON.stringify(served), /s3cr3t/);
      // Then the errors it always logs, known before the release: shown, but no evidence against the release.
      assert.deepEqual(served.logs?.slice(1).map((l) => [l.template, l.firstSeenAt]), [['ERROR cache refresh for tenant <*> slow', undefined]]);

      // The diagnosis names the release, with the template as evidence.
      const top = served.causes[0]!;
      assert.equal(top.kind, 'deployment');
      assert.equal(top.commit, RELEASE);
      assert.ok(top.evidence.some((e) => e === `new error log template in ${group}, first seen 2 min after the apply: "${newError.template}"`), top.evidence.join('\n'));
      assert.ok(top.evidence.some((e) => /^log line: ERROR checkout \d+ failed: PriceRule NullPointerException token=\[redacted\]$/.test(e)));

      // The timeline's incident event carries the newest line.
      const opened = timeline.find((e) => e.type === 'incident' && e.incident === record.incident.id && (e.details as { logs?: string[] } | undefined)?.logs);
      assert.ok(opened, JSON.stringify(timeline));
      assert.match(String((opened.details as { logs: string[] }).logs[0]), /^new error log in .*: ERROR checkout \d+ failed/);
    } finally {
      await stage.stop();
      await analysis.close();
      await signals.close();
      logs.destroy();
    }
  });

  it('two processes on one prefix: one reads each line, the other waits its turn and goes on from where the first stopped', async () => {
    const { redis, prefix, store } = server;
    const logs = createCloudWatchLogsClient({ endpoint: testServices().motoUrl, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const group = `/homeostat/sandbox/${uniqueId('turns')}`;
    const stack = 'infra/./turns';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'one' }));
    const put = (from: number, n: number) =>
      logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'one', logEvents: Array.from({ length: n }, (_, i) => ({ timestamp: Date.now() - 60_000 + from + i, message: `GET /orders/${from + i} 200` })) }));
    const at = new Date().toISOString();
    const run = RunRecordSchema.parse(previewRun({ id: 'r-turns', jobId: `${stack}@${RELEASE}`, commit: RELEASE, apply: true, status: 'applied', timings: { enqueuedAt: at, startedAt: at, finishedAt: at } }));
    const contract = { kind: 'sandbox', healthSignals: [], alarms: [], remediable: [], logGroups: [{ id: 'app', name: group, resource: 'checkout' }] };
    await store.saveStatus(applyRun(startRun(initialStatus(stack, at), run, at), run, at, { homeostat: contract }));

    const signals = createSignalQueue(redis, prefix);
    const evidence = createLogEvidenceStore(redis, { prefix });
    const options = { evidence, pollIntervalMs: 3_600_000, endpoint: testServices().motoUrl, region: 'eu-west-1', initialLookbackMs: 10 * MIN, settleMs: 0 };
    const stageOf = (owner: string) => startLogStage({ redis, prefix, store, signals, emit: () => {} }, { ...options, turn: createReaderTurn(redis, { prefix, name: 'logs', owner }) });
    const a = stageOf('host-a');
    const b = stageOf('host-b');
    try {
      await put(0, 40);
      // Both started with a poll; whichever came first reads, the other waits.
      const [first, second] = [await a.pollOnce(), await b.pollOnce()];
      assert.deepEqual([first.read, second.read], [true, false]);
      const readByA = (await a.pollOnce()).events + first.events;
      assert.equal(readByA, 40);
      await put(40, 25);
      assert.equal((await b.pollOnce()).read, false, 'b still waits');
      assert.equal((await a.pollOnce()).events, 25);

      await a.stop();
      await put(65, 10);
      const taken = await b.pollOnce();
      assert.equal(taken.read, true, 'the turn passed when a stopped');
      assert.equal(taken.events, 10, 'b read only what a had not: the watermark is shared');
    } finally {
      await a.stop();
      await b.stop();
      await signals.close();
      logs.destroy();
    }
  });
});
