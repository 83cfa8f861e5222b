import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AUTH_REQUIRED, ConfigError, type ServiceConfig } from '../config/service-config.ts';
import { startDeployWorker, type DeployWorker } from '../deploy/deploy-worker.ts';
import { createStackRunner } from '../engine/stack-runner.ts';
import { createGithubForge } from '../forge/github-forge.ts';
import { createForceUnlock, type ForceUnlock } from '../deploy/force-unlock.ts';
import { backendMayHoldStacks, restoreFromBackend, type RestoreReport } from '../deploy/restore-from-backend.ts';
import { authSettings } from '../http/auth-settings.ts';
import { createHttpServer, listen } from '../http/http-server.ts';
import { createMetrics } from '../http/metrics.ts';
import { createSignalQueue } from '../correlate/signal-queue.ts';
import { startCorrelateWorker } from '../correlate/correlate-worker.ts';
import { createIncidentStore } from '../correlate/incident-store.ts';
import { contextFrom } from '../correlate/stack-context.ts';
import { forecastInput } from '../correlate/tracker.ts';
import { createForecastStage, createRedisTelemetryStore } from '../telemetry/index.ts';
import { feedingForecasts } from './forecast-feed.ts';
import { startDetectRunner, type DetectRunner } from '../detect/detect-runner.ts';
import { createIntakeQueue } from '../intake/intake-queue.ts';
import { startIntakeWorker } from '../intake/intake-worker.ts';
import { createDeployQueue } from '../queue/deploy-queue.ts';
import { createAuditLog } from '../audit/index.ts';
import { createDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { forgeRepoName } from '../forge/forge.ts';
import { createGitWriter } from '../remediate/git-writer.ts';
import { createGuardrailLedger } from '../remediate/guardrail-ledger.ts';
import { remediationIdOf } from '../remediate/remediation-record.ts';
import { createRemediationQueue } from '../remediate/remediation-queue.ts';
import { createRemediationStore } from '../remediate/remediation-store.ts';
import { startRemediationWorker, type RemediationRepo } from '../remediate/remediation-worker.ts';
import { createReviewActions } from '../remediate/review-actions.ts';
import { assertDurableRedis, createRedis } from '../queue/redis.ts';
import { createStackLock } from '../queue/stack-lock.ts';
import { createRunStore } from '../records/run-store.ts';
import { PROJECT_ROOT, resolveToolchain } from '../runtime/toolchain.ts';
import { createDependencyCache } from '../source/dependency-cache.ts';
import { createSourceFetcher } from '../source/source-fetcher.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { startDriftScheduler } from './drift-scheduler.ts';
import { pinnedPackFolder } from '../source/pinned-pack.ts';
import { startPoller } from '../source/poller.ts';
import { configSecrets } from '../config/config-secrets.ts';
import type { Logger } from 'pino';

export interface ServiceOptions {
  /** Run the HTTP server; default true. */
  http?: boolean;
  /** Run the workers; default true. Several processes may run workers against one Redis. */
  workers?: boolean;
  emit?: TimelineSink;
  /** The operational log (`runtime/operational-log.ts`); default: lines on stderr for what is not a timeline event. */
  log?: Logger;
  /** More environment for the engine and programs (the sandbox passes the fleet's URL). */
  engineEnv?: Record<string, string>;
  workerId?: string;
}

export interface RunningService {
  /** The Node.js and engine versions it runs on. */
  runtime: { node: string; engine: string };
  /** Address of the HTTP server, when it runs. */
  address?: AddressInfo;
  url?: string;
  workerId?: string;
  /** The start-up restore from the state backend (see `deploy/restore-from-backend.ts`); undefined when there was nothing to look at. */
  restored: Promise<RestoreReport | undefined>;
  stop(): Promise<void>;
}

/** Runs `step`; false when it had not finished by `deadline` (it is then left running). */
async function beforeDeadline(step: () => Promise<unknown> | unknown, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([Promise.resolve().then(step).then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Assembles and starts the service: Redis, the queues, the intake and deploy
 * workers, the poller and drift scheduler, and the HTTP API. Every part can
 * run in several processes against the same Redis and backend.
 */
export async function startService(config: ServiceConfig, options: ServiceOptions = {}): Promise<RunningService> {
  // Refused before anything starts: an HTTP API nobody said who may use is never served open.
  const auth = (options.http ?? true) ? config.auth : 'none';
  if (!auth) throw new ConfigError([AUTH_REQUIRED]);
  const emit = options.emit ?? (() => {});
  const prefix = config.redisPrefix;
  const toolchain = resolveToolchain(config.pulumi.pulumiDir ? { ...process.env, HOMEOSTAT_PULUMI_DIR: config.pulumi.pulumiDir } : process.env);
  const runtime = { node: toolchain.node.version, engine: toolchain.pulumiVersion };
  await mkdir(config.dataDir, { recursive: true });
  if (config.pulumi.backendUrl.startsWith('file://')) await mkdir(new URL(config.pulumi.backendUrl).pathname, { recursive: true });

  // The pinned policy packs first: a worker that cannot enforce them must not start.
  // Only workers run the engine; a process without them (the API alone) has no use for the packs.
  const dependencies = createDependencyCache({ dir: join(config.dataDir, 'deps'), seed: PROJECT_ROOT });
  const pinnedPolicyPacks = await Promise.all(
    (options.workers ?? true ? config.policy.packs : []).map((p, i) =>
      p.repo !== undefined && p.commit !== undefined
        ? pinnedPackFolder({ repo: p.repo, commit: p.commit, path: p.path }, { dir: join(config.dataDir, 'pinned-policy'), dependencies }).catch((err: Error) => {
            throw new Error(`policy.packs.${i}: ${err.message}`, { cause: err });
          })
        : p.path,
    ),
  );

  const redisLog = options.log?.child({ stage: 'redis' });
  const redis = createRedis(config.redisUrl, redisLog ? { say: (line) => redisLog.warn(line) } : {});
  try {
    await assertDurableRedis(redis);
  } catch (err) {
    await redis.quit().catch(() => undefined);
    throw err;
  }
  const store = createRunStore(redis, prefix);
  const deployQueue = createDeployQueue(redis, prefix);
  const intake = createIntakeQueue(redis, prefix);
  const fetcher = createSourceFetcher({ dir: join(config.dataDir, 'source'), dependencies });
  const metrics = createMetrics(async () => ({
    deploy: await deployQueue.counts(),
    events: await intake.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
    signals: await signals.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
  }));
  const repoById = new Map(config.repositories.map((r) => [r.id, r]));
  const incidents = createIncidentStore(redis, prefix);
  const signals = createSignalQueue(redis, prefix);
  let telemetry: DetectRunner | undefined;
  const github = config.forge.github
    ? createGithubForge({ token: config.forge.github.token.reveal(), ...(config.forge.github.apiUrl ? { apiUrl: config.forge.github.apiUrl } : {}) })
    : undefined;

  // Remediation: Git writes, guardrail counts, review items and the audit log, shared by every process through Redis and the remote.
  const secretValues = configSecrets(config);
  const audit = createAuditLog(redis, prefix, { secrets: () => secretValues });
  const remediations = createRemediationStore(redis, prefix);
  const ledger = createGuardrailLedger(redis, prefix);
  const remediationQueue = createRemediationQueue(redis, prefix);
  const gitWriter = createGitWriter({ dir: join(config.dataDir, 'remediate'), bot: config.remediation.bot });
  const remediationRepo = (id: string): RemediationRepo | undefined => {
    const r = repoById.get(id);
    if (!r) return undefined;
    const name = r.forge === 'github' ? forgeRepoName(r.url) : undefined;
    return { id: r.id, url: r.url, deployBranch: r.deployBranch, ...(name ? { forgeRepoName: name } : {}) };
  };
  const reviews = createReviewActions({ store: remediations, queue: remediationQueue, ledger, git: gitWriter, audit, repo: remediationRepo, emit });

  const stops: (() => Promise<void> | void)[] = [];
  let deployWorker: DeployWorker | undefined;
  let restored: Promise<RestoreReport | undefined> = Promise.resolve(undefined);
  let unlock: ForceUnlock | undefined;
  if (options.workers ?? true) {
    const runner = await createStackRunner({
      pulumiDir: toolchain.pulumiDir,
      backendUrl: config.pulumi.backendUrl,
      passphrase: config.pulumi.passphrase.reveal(),
      policyPacks: [],
      env: { ...toolchain.engineEnv, ...config.pulumi.env, ...options.engineEnv },
      passEnv: config.pulumi.engineEnv,
    });
    unlock = createForceUnlock({
      runner,
      fetcher,
      store,
      audit,
      lock: createStackLock(redis, { prefix, leaseMs: config.leaseSeconds * 1000 }),
      repo: (id) => repoById.get(id),
    });
    const intakeWorker = startIntakeWorker({ connection: redis, prefix, repos: config.repositories, fetcher, store, deployQueue, emit, pullRequestMerged: (repoId, event) => reviews.mergedOnForge(repoId, event) });
    deployWorker = startDeployWorker({
      connection: redis,
      prefix,
      queue: deployQueue,
      runner,
      fetcher,
      store,
      lock: createStackLock(redis, { prefix, leaseMs: config.leaseSeconds * 1000 }),
      jobLockMs: config.leaseSeconds * 1000,
      repo: (id) => {
        const r = repoById.get(id);
        return r ? { id: r.id, url: r.url, policyPacks: r.policyPacks, driftAction: r.drift.action, ...(r.engineEnv ? { engineEnv: r.engineEnv } : {}) } : undefined;
      },
      policyConfig: config.policy.config,
      pinnedPolicyPacks,
      engineVersion: toolchain.pulumiVersion,
      emit,
      concurrency: config.concurrency.deploy,
      shutdownGraceMs: config.shutdownGraceSeconds * 1000,
      ...(options.workerId ? { workerId: options.workerId } : {}),
      forge: (id) => (repoById.get(id)?.forge === 'github' ? github : undefined),
      onRunFinished: (run) => {
        metrics.runResults.inc({ status: run.status, reason: run.reason ?? '' });
        if (run.timings.previewMs !== undefined) metrics.runDuration.observe({ kind: run.mode === 'drift' ? 'refresh' : 'preview' }, run.timings.previewMs / 1000);
        if (run.timings.applyMs !== undefined) metrics.runDuration.observe({ kind: 'up' }, run.timings.applyMs / 1000);
      },
    });
    if (config.telemetry.enabled) {
      const t = config.telemetry;
      const d = t.diagnosis;
      const diagnosis = {
        ...(d.lookbackSeconds !== undefined ? { lookbackMs: d.lookbackSeconds * 1000 } : {}),
        ...(d.afterOnsetGraceSeconds !== undefined ? { afterOnsetGraceMs: d.afterOnsetGraceSeconds * 1000 } : {}),
        ...(d.leadSeconds !== undefined ? { leadMs: d.leadSeconds * 1000 } : {}),
        ...(d.baselineSeconds !== undefined ? { baselineMs: d.baselineSeconds * 1000 } : {}),
        ...(d.dependencyWindowSeconds !== undefined ? { dependencyWindowMs: d.dependencyWindowSeconds * 1000 } : {}),
      };
      const analysis = startCorrelateWorker({
        connection: redis,
        prefix,
        runs: store,
        incidents,
        lock: createStackLock(redis, { prefix, leaseMs: config.leaseSeconds * 1000 }),
        emit,
        tracker: { windowMs: t.incidentWindowSeconds * 1000, quietMs: t.incidentQuietSeconds * 1000 },
        diagnosis,
        ...(config.remediation.enabled
          ? {
              onIncident: async (event) => {
                if (event.type === 'resolved') return;
                const inc = event.incident;
                // Content id: the incident as it now stands (several anomalies of one minute are several updates).
                const points = inc.signals.reduce((n, s) => n + s.points, 0);
                await remediationQueue.add({ remediationId: remediationIdOf(inc.id), incidentId: inc.id, stackKey: inc.stackKey, cause: 'incident' }, `${inc.updatedAt}-${inc.signals.length}-${points}-${inc.alarms.length}`);
              },
            }
          : {}),
      });
      // Forecasts of saturating signals, fed by the same points as the detectors: a breach predicted within the horizon opens a predicted incident.
      const forecasts = config.forecast.enabled
        ? createForecastStage({
            store: createRedisTelemetryStore({ redis, prefix }),
            stacks: async () => contextFrom(await store.statuses(), []).watched,
            horizonMs: config.forecast.horizonMinutes * 60_000,
            minConfidence: config.forecast.minConfidence,
            onPredictions: async (predictions) => void (await signals.add(predictions.map(forecastInput))),
            onWarning: (message) => emit(timelineEvent('error', message)),
          })
        : undefined;
      telemetry = startDetectRunner({
        redis,
        prefix,
        runs: store,
        incidents: forecasts ? feedingForecasts(incidents, forecasts) : incidents,
        signals,
        ...(t.endpoint ? { endpoint: t.endpoint } : {}),
        ...(t.region ? { region: t.region } : {}),
        pollIntervalMs: t.pollIntervalSeconds * 1000,
        pollerOptions: { initialLookbackMs: t.initialLookbackSeconds * 1000, maxLookbackMs: Math.max(t.initialLookbackSeconds * 1000, 24 * 3600 * 1000), settleMs: t.settleSeconds * 1000 },
        emit,
      });
      telemetry.start();
      stops.push(() => telemetry!.stop(), () => analysis.close());
      if (config.remediation.enabled) {
        const remediation = startRemediationWorker({
          connection: redis,
          prefix,
          store: remediations,
          ledger,
          audit,
          incidents,
          telemetryReads: createRedisTelemetryStore({ redis, prefix }),
          runs: store,
          deployQueue,
          intake,
          git: gitWriter,
          repo: remediationRepo,
          forge: (id) => (repoById.get(id)?.forge === 'github' ? github : undefined),
          lock: createStackLock(redis, { prefix, leaseMs: config.leaseSeconds * 1000 }),
          config: config.remediation,
          diagnosis,
          emit,
          resolveIncident: (id, reason) => analysis.resolveIncident(id, reason),
          forecast: { horizonMs: config.forecast.horizonMinutes * 60_000, minConfidence: config.forecast.minConfidence },
          ...(options.workerId ? { workerId: `remediate-${options.workerId}` } : {}),
        });
        stops.push(() => remediation.close());
      }
    }
    const poller = startPoller({ redis, prefix, repos: config.repositories, intake, emit });
    const drift = startDriftScheduler({ connection: redis, prefix, repos: config.repositories, store, queue: deployQueue, emit });
    stops.push(() => poller.stop(), () => drift.stop(), () => intakeWorker.close(), () => deployWorker!.close());
    // Redis lost entirely: each stack's applied commit is read back from the backend, and the deploy branches caught up with.
    if (backendMayHoldStacks(config.pulumi.backendUrl)) {
      restored = restoreFromBackend({ repos: config.repositories, fetcher, store, runner, intake, emit }).catch((err: unknown) => {
        emit(timelineEvent('error', `restore from the state backend failed: ${err instanceof Error ? err.message : String(err)}`));
        return undefined;
      });
      stops.push(() => restored.then(() => undefined));
    }
  }

  let address: AddressInfo | undefined;
  if (options.http ?? true) {
    const server = createHttpServer({
      repos: config.repositories,
      intake,
      deployQueue,
      store,
      fetcher,
      metrics,
      webhookMaxBytes: config.webhookMaxBytes,
      incidents,
      remediation: { store: remediations, reviews, ledger, audit, configured: { dryRun: config.remediation.guardrails.dryRun, killSwitch: config.remediation.guardrails.killSwitch } },
      signalHealth: () => telemetry?.signalHealth() ?? [],
      extra: createDashboardRoutes({ incidents }),
      runtime,
      ...(unlock ? { unlock } : {}),
      auth: authSettings(auth),
      ready: async () => (await redis.ping()) === 'PONG',
    });
    address = await listen(server, config.listen.host, config.listen.port);
    // The server closes its connections, idle keep-alive ones included (forceCloseConnections).
    stops.unshift(() => server.close());
  }

  return {
    runtime,
    ...(address ? { address, url: `http://${address.address}:${address.port}` } : {}),
    ...(deployWorker ? { workerId: deployWorker.id } : {}),
    restored,
    async stop() {
      // The HTTP server first (no new work), then the workers (running updates finish), then the
      // connections; all within the grace period, whatever is unreachable. A step that would
      // wait past it (Redis gone: every command waits for a reconnect) is left to crash recovery.
      const deadline = Date.now() + config.shutdownGraceSeconds * 1000;
      const steps = [...stops, () => deployQueue.close(), () => intake.close(), () => signals.close(), () => remediationQueue.close(), () => audit.close(), () => redis.quit()];
      for (const step of steps) {
        if (await beforeDeadline(step, deadline)) continue;
        emit(timelineEvent('error', `shutdown: the grace period of ${config.shutdownGraceSeconds} s ran out (is Redis reachable?); stopping now, crash recovery takes over what was left`));
        deployWorker?.abort();
        redis.disconnect();
        return;
      }
    },
  };
}
