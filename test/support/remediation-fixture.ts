import type { Redis } from 'ioredis';
import { createAuditLog, type AuditLog } from '../../orchestrator/audit/index.ts';
import { createRedis } from '../../orchestrator/queue/redis.ts';
import { createGuardrailLedger, type GuardrailLedger } from '../../orchestrator/remediate/guardrail-ledger.ts';
import type { RemediationRecord } from '../../orchestrator/remediate/remediation-record.ts';
import { createRemediationStore, type RemediationStore } from '../../orchestrator/remediate/remediation-store.ts';
import { startService, type RunningService } from '../../orchestrator/service/service.ts';
import { git } from '../../orchestrator/source/git.ts';
import { formatTimelineEvent, type TimelineEvent } from '../../orchestrator/timeline/timeline-event.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from './gitops-fixture.ts';
import { startLiveMetrics, type LiveMetrics, type LiveMetricsOptions } from './live-metrics.ts';
import { resetMoto, testServices, uniqueId } from './services.ts';
import { waitFor } from './wait.ts';
import { sendPush } from './forge-webhooks.ts';
import { ZERO_SHA } from './webhooks.ts';
import { as } from './test-tokens.ts';

/** Demand doubles at live minute 4 and stays there: the service saturates until it has more capacity. */
export const SPIKE = (m: number) => (m < 4 ? 1000 : 2000);

/**
 * The sandbox stack deployed by a service with telemetry (moto) and
 * remediation on, and live metrics that follow the fleet: everything the
 * remediation tests need, removed again by `cleanup()`.
 */
export interface RemediationFixture {
  fx: GitopsFixture;
  service: RunningService;
  metrics: LiveMetrics;
  redis: Redis;
  store: RemediationStore;
  ledger: GuardrailLedger;
  audit: AuditLog;
  initial: string;
  /** Timeline events the service emitted so far. */
  events: TimelineEvent[];
  /** `git log --format=<format> main` in the remote. */
  mainLog(format: string): Promise<string>;
  /** Waits for a remediation in one of `states`; on timeout, says where each one is. */
  remediationIn(states: RemediationRecord['state'][], timeoutMs?: number): Promise<RemediationRecord>;
  /** Sets run-time controls through the service's API, as an operator would. */
  setControls(change: { dryRun?: boolean; killSwitch?: boolean }): Promise<void>;
  cleanup(): Promise<void>;
}

// Moto takes any keys; these are distinctive, so that a test can search for them where they must not be.
export const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIAHOMEOSTATSEEDED1', AWS_SECRET_ACCESS_KEY: 'aws-secret-seeded-0f3c9e1b7d', AWS_REGION: 'us-east-1' };

export async function createRemediationFixture(
  remediation: Record<string, unknown>,
  options: {
    extra?: Record<string, unknown>;
    /** Merged into the watched repository's entry (for example another `forge`, whose webhooks the set-up then sends). */
    repo?: Record<string, unknown>;
    metrics?: Partial<LiveMetricsOptions>;
    beforeMetrics?: (f: Omit<RemediationFixture, 'metrics' | 'cleanup'>) => Promise<void>;
  } = {},
): Promise<RemediationFixture> {
  await resetMoto();
  const saved = Object.fromEntries(Object.keys(AWS_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, AWS_ENV);
  const fx = await createGitopsFixture({
    telemetry: {
      enabled: true,
      endpoint: testServices().motoUrl,
      pollIntervalSeconds: 0.5,
      initialLookbackSeconds: 8 * 3600,
      settleSeconds: 0,
      // Simulated minutes run in seconds, hours behind the wall clock: incidents end by verification, not by the clock.
      incidentQuietSeconds: 6 * 3600,
    },
    // Three simulated minutes of evidence (production waits ten): these tests follow the loop, not the wait for a disturbance to last.
    remediation: { enabled: true, evidenceSeconds: 180, verificationSeconds: 8, verificationPoints: 4, bot: { name: 'Homeostat Bot', email: 'bot@homeostat.test' }, ...remediation },
    ...options.extra,
  }, options.repo);
  fx.setStackConfig('sandbox:serviceName', uniqueId('svc'));
  const events: TimelineEvent[] = [];
  const service = await startService(fx.config, {
    emit: (e) => {
      events.push(e);
      // HOMEOSTAT_TEST_TIMELINE=1 prints the service's timeline, to follow a failing case.
      if (process.env.HOMEOSTAT_TEST_TIMELINE) console.log(formatTimelineEvent(e));
    },
  });
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  let initial: string;
  try {
    initial = await fx.repo.commitAndPush('initial stacks');
    const forge = fx.config.repositories[0]?.forge ?? 'github';
    await sendPush(`${service.url}/webhooks/infra`, forge, WEBHOOK_SECRET, { remote: fx.repo.remote, ref: 'refs/heads/main', before: ZERO_SHA, after: initial });
    await fx.waitForRun(initial, 'applied');
  } catch (err) {
    // Nothing may outlive a failed set-up: a running service would keep the test process alive.
    await service.stop();
    await fx.cleanup();
    restoreEnv();
    throw err;
  }

  const redis = createRedis(testServices().redisUrl);
  const store = createRemediationStore(redis, fx.prefix);
  const base = {
    fx,
    service,
    redis,
    store,
    ledger: createGuardrailLedger(redis, fx.prefix),
    audit: createAuditLog(redis, fx.prefix),
    initial,
    events,
    mainLog: (format: string) => git(['log', `--format=${format}`, 'main'], { cwd: fx.repo.remote }),
    async remediationIn(states: RemediationRecord['state'][], timeoutMs = 300_000) {
      try {
        return await waitFor(`a remediation in ${states.join('/')}`, async () => (await store.list()).find((r) => states.includes(r.state)), timeoutMs, 250);
      } catch (err) {
        const seen = (await store.list()).map((r) => `${r.id} ${r.state}: ${r.events.map((e) => `${e.state}: ${e.message}`).join(' | ')}`);
        // The service's own timeline says where the loop stopped (no incident, no proposal, …).
        const timeline = events.slice(-40).map((e) => formatTimelineEvent(e).slice(0, 300));
        const sent = metrics ? `metrics: minute ${metrics.minute()} sent, ${metrics.failures().length} failed calls ${metrics.failures().slice(-3).join('; ')}` : 'metrics: not started';
        throw new Error(`${(err as Error).message}; remediations:\n${seen.join('\n')}\n${sent}\ntimeline:\n${timeline.join('\n')}`, { cause: err });
      }
    },
    async setControls(change: { dryRun?: boolean; killSwitch?: boolean }) {
      const res = await fetch(`${service.url}/api/controls`, { method: 'PUT', headers: as('test-operator'), body: JSON.stringify(change) });
      if (res.status !== 200) throw new Error(`PUT /api/controls: ${res.status} ${await res.text()}`);
    },
  };
  let metrics: LiveMetrics | undefined;
  const cleanup = async () => {
    await metrics?.stop();
    await service.stop();
    await base.audit.close();
    await redis.quit();
    await fx.cleanup();
    restoreEnv();
  };
  try {
    await options.beforeMetrics?.(base);
    metrics = await startLiveMetrics({ motoUrl: testServices().motoUrl, serviceName: fx.fleet.services()[0]!.name, fleet: fx.fleet, demand: SPIKE, ...options.metrics });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { ...base, metrics, cleanup };
}
