import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AUTH_REQUIRED, ConfigError, type ServiceConfig } from '../config/service-config.ts';
import { createDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { createStreamSessions } from '../dashboard/stream-session.ts';
import { createScoreStore } from '../telemetry/score-store.ts';
import type { DeployWorker } from '../deploy/deploy-worker.ts';
import type { RestoreReport } from '../deploy/restore-from-backend.ts';
import { authSettings } from '../http/auth-settings.ts';
import { createHttpServer, listen } from '../http/http-server.ts';
import { createPromotionStore } from '../records/promotion-store.ts';
import { PROJECT_ROOT, resolveToolchain } from '../runtime/toolchain.ts';
import { createDependencyCache, type DependencyCache } from '../source/dependency-cache.ts';
import { pinnedPackFolder } from '../source/pinned-pack.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { startAiopsStages, type AiopsStages } from './aiops-stages.ts';
import { startDeployStage, type DeployStage } from './deploy-stage.ts';
import { openSharedParts, type SharedParts } from './shared-parts.ts';
import { startTraceStage } from './trace-stage.ts';

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
  const toolchain = resolveToolchain(config.pulumi.pulumiDir ? { ...process.env, HOMEOSTAT_PULUMI_DIR: config.pulumi.pulumiDir } : process.env);
  const runtime = { node: toolchain.node.version, engine: toolchain.pulumiVersion };
  await mkdir(config.dataDir, { recursive: true });
  if (config.pulumi.backendUrl.startsWith('file://')) await mkdir(new URL(config.pulumi.backendUrl).pathname, { recursive: true });

  const workers = options.workers ?? true;
  const dependencies = createDependencyCache({ dir: join(config.dataDir, 'deps'), seed: PROJECT_ROOT });
  // The pinned policy packs first: a worker that cannot enforce them must not start.
  const pinnedPolicyPacks = workers ? await pinnedPolicyFolders(config, dependencies) : [];
  const parts = await openSharedParts(config, { emit, dependencies, workers, ...(options.log ? { log: options.log } : {}) });

  const stops: (() => Promise<void> | void)[] = [];
  let deploy: DeployStage | undefined;
  let aiops: AiopsStages | undefined;
  if (workers) {
    deploy = await startDeployStage(parts, { toolchain, pinnedPolicyPacks, ...(options.engineEnv ? { engineEnv: options.engineEnv } : {}), ...(options.workerId ? { workerId: options.workerId } : {}) });
    if (config.telemetry.enabled) aiops = startAiopsStages(parts, options.workerId ? { workerId: options.workerId } : {});
    stops.push(...(aiops?.stops ?? []), ...deploy.stops);
  }

  let address: AddressInfo | undefined;
  if (options.http ?? true) {
    const traces = startTraceStage(parts);
    if (traces) stops.push(() => traces.stop());
    const server = createHttpServer({
      repos: config.repositories,
      intake: parts.intake,
      deployQueue: parts.deployQueue,
      store: parts.store,
      fetcher: parts.fetcher,
      metrics: parts.metrics,
      webhookMaxBytes: config.webhookMaxBytes,
      incidents: parts.incidents,
      remediation: { store: parts.remediations, reviews: parts.reviews, ledger: parts.ledger, audit: parts.audit, configured: { dryRun: config.remediation.guardrails.dryRun, killSwitch: config.remediation.guardrails.killSwitch } },
      signalHealth: () => aiops?.telemetry.signalHealth() ?? [],
      notifications: parts.notifier,
      promotions: { store: createPromotionStore(parts.redis, parts.prefix), audit: parts.audit, emit: parts.emit },
      extra: createDashboardRoutes({
        incidents: parts.incidents,
        scores: createScoreStore(parts.redis, parts.prefix),
        store: parts.store,
        events: { log: parts.timeline, sessions: createStreamSessions(parts.redis, parts.prefix) },
      }),
      runtime,
      ...(deploy ? { unlock: deploy.unlock } : {}),
      ...(traces ? { traces: traces.ingest } : {}),
      auth: authSettings(auth),
      // Not while the connection is down: a PING then waits in the offline queue until Redis is back.
      ready: async () => parts.redis.status === 'ready' && (await parts.redis.ping()) === 'PONG',
    });
    address = await listen(server, config.listen.host, config.listen.port);
    // The server closes its connections, idle keep-alive ones included (forceCloseConnections).
    stops.unshift(() => server.close());
  }

  return {
    runtime,
    ...(address ? { address, url: `http://${address.address}:${address.port}` } : {}),
    ...(deploy ? { workerId: deploy.deployWorker.id } : {}),
    restored: deploy?.restored ?? Promise.resolve(undefined),
    stop: () => stopWithinGrace(parts, [...stops, ...parts.closers()], deploy?.deployWorker),
  };
}

/** Each pinned policy pack's folder: a path as configured, or a commit of a policy repository fetched now. */
function pinnedPolicyFolders(config: ServiceConfig, dependencies: DependencyCache): Promise<string[]> {
  return Promise.all(
    config.policy.packs.map((p, i) =>
      p.repo !== undefined && p.commit !== undefined
        ? pinnedPackFolder({ repo: p.repo, commit: p.commit, path: p.path }, { dir: join(config.dataDir, 'pinned-policy'), dependencies }).catch((err: Error) => {
            throw new Error(`policy.packs.${i}: ${err.message}`, { cause: err });
          })
        : p.path,
    ),
  );
}

/**
 * The HTTP server first (no new work), then the workers (running updates
 * finish), then the connections; all within the grace period, whatever is
 * unreachable. A step that would wait past it (Redis gone: every command
 * waits for a reconnect) is left to crash recovery.
 */
async function stopWithinGrace(parts: SharedParts, steps: (() => Promise<unknown> | unknown)[], deployWorker: DeployWorker | undefined): Promise<void> {
  const grace = parts.config.shutdownGraceSeconds;
  const deadline = Date.now() + grace * 1000;
  for (const step of steps) {
    if (await beforeDeadline(step, deadline)) continue;
    parts.emit(timelineEvent('error', `shutdown: the grace period of ${grace} s ran out (is Redis reachable?); stopping now, crash recovery takes over what was left`));
    deployWorker?.abort();
    parts.redis.disconnect();
    return;
  }
}
