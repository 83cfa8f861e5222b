import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createIncidentStore, type IncidentStore } from '../../../orchestrator/correlate/incident-store.ts';
import { createAuditLog, type AuditLog } from '../../../orchestrator/audit/index.ts';
import { createDashboardRoutes } from '../../../orchestrator/dashboard/dashboard-routes.ts';
import { Secret } from '../../../orchestrator/config/secret.ts';
import { TEST_PRINCIPALS, TEST_TOKENS } from '../../support/test-tokens.ts';
import { createHttpServer, listen, type HttpServer } from '../../../orchestrator/http/http-server.ts';
import { createMetrics } from '../../../orchestrator/http/metrics.ts';
import { createIntakeQueue } from '../../../orchestrator/intake/intake-queue.ts';
import { createDeployQueue } from '../../../orchestrator/queue/deploy-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createPromotionStore, type PromotionStore } from '../../../orchestrator/records/promotion-store.ts';
import { createRunStore, type RunStore } from '../../../orchestrator/records/run-store.ts';
import { createGitWriter } from '../../../orchestrator/remediate/git-writer.ts';
import { createGuardrailLedger } from '../../../orchestrator/remediate/guardrail-ledger.ts';
import { createRemediationQueue } from '../../../orchestrator/remediate/remediation-queue.ts';
import { createRemediationStore, type RemediationStore } from '../../../orchestrator/remediate/remediation-store.ts';
import { createReviewActions } from '../../../orchestrator/remediate/review-actions.ts';
import { createSourceFetcher } from '../../../orchestrator/source/source-fetcher.ts';
import { createStreamSessions } from '../../../orchestrator/dashboard/stream-session.ts';
import { createScoreStore, type ScoreStore } from '../../../orchestrator/telemetry/score-store.ts';
import { createTimelineLog, type TimelineLog } from '../../../orchestrator/timeline/timeline-log.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { deleteKeys } from '../../support/redis-keys.ts';

/** Debian's Chromium; Playwright's own browser download does not work here (scripts/setup.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium as root in a container: no sandbox, no GPU, no /dev/shm. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Where the browser tests keep their screenshots: a test artefact, ignored by Git (`.gitignore`). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'screenshots');

/** A full-page screenshot of `page`, saved as `<name>.png` in {@link SCREENSHOT_DIR}; prints and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`      screenshot: ${path}`);
  return path;
}

/** The service's HTTP API (with the remediation API) and the dashboard, on real stores in Redis under a prefix of its own. */
export interface DashboardServer {
  url: string;
  prefix: string;
  redis: Redis;
  store: RunStore;
  incidents: IncidentStore;
  remediations: RemediationStore;
  audit: AuditLog;
  /** The shared timeline the page's event stream reads. */
  timeline: TimelineLog;
  scores: ScoreStore;
  /** Promotions, served by `GET /api/promotions` as in service.ts. */
  promotions: PromotionStore;
  /** Stops the server and deletes every key under the prefix. */
  close(): Promise<void>;
}

/**
 * Builds the HTTP server as service.ts does (same stores and queues), with
 * the dashboard as its extra routes, for tests that need no workers or engine.
 */
export async function startDashboardServer(): Promise<DashboardServer> {
  const prefix = uniqueId('hs-dash');
  const redis = createRedis(testServices().redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-dashboard-'));
  const store = createRunStore(redis, prefix);
  const incidents = createIncidentStore(redis, prefix);
  const deployQueue = createDeployQueue(redis, prefix);
  const intake = createIntakeQueue(redis, prefix);
  // The remediation API (reviews, remediations, audit log) on real stores; no repository to write to.
  const remediations = createRemediationStore(redis, prefix);
  const audit = createAuditLog(redis, prefix);
  const ledger = createGuardrailLedger(redis, prefix);
  const remediationQueue = createRemediationQueue(redis, prefix);
  const git = createGitWriter({ dir: join(dir, 'remediate'), bot: { name: 'Homeostat', email: 'homeostat@localhost' } });
  const reviews = createReviewActions({ store: remediations, queue: remediationQueue, ledger, git, audit, repo: () => undefined });
  const timeline = createTimelineLog(redis, prefix);
  const scores = createScoreStore(redis, prefix);
  const promotions = createPromotionStore(redis, prefix);
  const server: HttpServer = createHttpServer({
    repos: [],
    intake,
    deployQueue,
    store,
    fetcher: createSourceFetcher({ dir: join(dir, 'source') }),
    metrics: createMetrics(async () => ({ deploy: await deployQueue.counts() })),
    incidents,
    remediation: { store: remediations, reviews, ledger, audit, configured: { dryRun: false, killSwitch: false } },
    // As service.ts: an operator's pause or resume goes on the shared timeline.
    promotions: { store: promotions, audit, emit: (e) => void timeline.append(e) },
    ready: async () => (await redis.ping()) === 'PONG',
    // A heartbeat each second, so the tests see them without waiting fifteen.
    extra: createDashboardRoutes({ incidents, scores, store, events: { log: timeline, sessions: createStreamSessions(redis, prefix), heartbeatMs: 1000 } }),
    // The test principals' tokens (test-tokens.ts): the page must send one.
    auth: { mode: 'tokens', metrics: 'open', tokens: Object.entries(TEST_PRINCIPALS).map(([name, role]) => ({ name, role, token: new Secret(TEST_TOKENS[name]!) })) },
  });
  const address = await listen(server, '127.0.0.1', 0);
  let closed = false;
  return {
    url: `http://127.0.0.1:${address.port}`,
    prefix,
    redis,
    store,
    incidents,
    remediations,
    audit,
    timeline,
    scores,
    promotions,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await deployQueue.close();
      await intake.close();
      await remediationQueue.close();
      await audit.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
