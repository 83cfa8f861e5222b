import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIncidentStore } from '../../orchestrator/correlate/incident-store.ts';
import { createAuditLog, type AuditEntry } from '../../orchestrator/audit/index.ts';
import { Secret } from '../../orchestrator/config/secret.ts';
import { createDashboardRoutes } from '../../orchestrator/dashboard/dashboard-routes.ts';
import { createStreamSessions } from '../../orchestrator/dashboard/stream-session.ts';
import { createTimelineLog } from '../../orchestrator/timeline/timeline-log.ts';
import type { AuthSettings } from '../../orchestrator/http/auth.ts';
import { createHttpServer, listen, type HttpRepo, type HttpServer } from '../../orchestrator/http/http-server.ts';
import { createMetrics } from '../../orchestrator/http/metrics.ts';
import { createIntakeQueue, type IntakeQueue } from '../../orchestrator/intake/intake-queue.ts';
import type { GitEvent } from '../../orchestrator/source/git-event.ts';
import { createDeployQueue } from '../../orchestrator/queue/deploy-queue.ts';
import { createRedis } from '../../orchestrator/queue/redis.ts';
import type { StackId } from '../../orchestrator/model/stack-key.ts';
import { createRunStore } from '../../orchestrator/records/run-store.ts';
import { createGitWriter } from '../../orchestrator/remediate/git-writer.ts';
import { createGuardrailLedger } from '../../orchestrator/remediate/guardrail-ledger.ts';
import { createRemediationQueue } from '../../orchestrator/remediate/remediation-queue.ts';
import { RemediationRecordSchema, ReviewItemSchema, type ReviewItem } from '../../orchestrator/remediate/remediation-record.ts';
import { remediationIdOf } from '../../orchestrator/remediate/remediation-record.ts';
import { createRemediationStore } from '../../orchestrator/remediate/remediation-store.ts';
import { createReviewActions } from '../../orchestrator/remediate/review-actions.ts';
import { git as runGit } from '../../orchestrator/source/git.ts';
import { createSourceFetcher } from '../../orchestrator/source/source-fetcher.ts';
import { uniqueId } from '../support/services.ts';
import { TEST_PRINCIPALS, TEST_TOKENS } from '../support/test-tokens.ts';
import { deleteKeys } from '../support/redis-keys.ts';

/** The stack the harness knows, and its key in the one URL form the API takes. */
export const STACK = 'infra/./sandbox';
export const STACK_IN_URL = encodeURIComponent(STACK);
export const WEBHOOK_SECRETS = { infra: `gh-hook-${uniqueId('s')}`, lab: `gl-hook-${uniqueId('s')}`, tea: `gt-hook-${uniqueId('s')}` };

/** A route as Fastify registered it. */
export interface RegisteredRoute {
  method: string;
  url: string;
  access: string;
}

/** What must not change when a refused request comes in. */
export interface ApiState {
  audit: AuditEntry[];
  controls: unknown;
  deployJobs: Record<string, number>;
  reviews: Pick<ReviewItem, 'id' | 'status' | 'decidedBy'>[];
  unlocks: number;
  enqueued: number;
}

export interface SecuredApi {
  url: string;
  routes: RegisteredRoute[];
  review: ReviewItem;
  /** Webhook events that reached the intake queue (and were added). */
  enqueued: GitEvent[];
  state(): Promise<ApiState>;
  audit(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/**
 * The whole HTTP API (every route the service registers, the dashboard's
 * included) on real Redis stores, with an API token per test principal.
 * Only the edges that would reach an engine are stand-ins: unlock records
 * its calls, and the source fetcher has no repository to read.
 */
export interface SecuredApiOptions {
  proxy?: { trustedAddresses: string[] };
  metrics?: 'open' | 'token';
  /** The watched repositories (id, clone URL, forge, webhook secret); default three that no delivery matches. */
  repos?: HttpRepo[];
}

export async function startSecuredApi(redisUrl: string, options: SecuredApiOptions = {}): Promise<SecuredApi> {
  const prefix = uniqueId('hs-sec');
  const redis = createRedis(redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-security-'));
  const store = createRunStore(redis, prefix);
  const incidents = createIncidentStore(redis, prefix);
  const deployQueue = createDeployQueue(redis, prefix);
  const intakeQueue = createIntakeQueue(redis, prefix);
  const enqueued: GitEvent[] = [];
  const intake: IntakeQueue = {
    queue: intakeQueue.queue,
    async add(event: GitEvent) {
      const added = await intakeQueue.add(event);
      if (added) enqueued.push(event);
      return added;
    },
    close: () => intakeQueue.close(),
  };
  const remediations = createRemediationStore(redis, prefix);
  const audit = createAuditLog(redis, prefix);
  const ledger = createGuardrailLedger(redis, prefix);
  const remediationQueue = createRemediationQueue(redis, prefix);
  const git = createGitWriter({ dir: join(dir, 'remediate'), bot: { name: 'Homeostat', email: 'homeostat@localhost' } });
  // Approving checks the proposal's branch on its remote (exact approvals): the review item's branch is real.
  const proposals = await proposalRemote(dir);
  const reviews = createReviewActions({ store: remediations, queue: remediationQueue, ledger, git, audit, repo: (id) => (id === 'infra' ? { id, url: proposals.url, deployBranch: 'main' } : undefined) });
  let unlocks = 0;
  const routes: RegisteredRoute[] = [];
  const auth: AuthSettings = {
    mode: 'tokens',
    metrics: options.metrics ?? 'open',
    tokens: Object.entries(TEST_PRINCIPALS).map(([name, role]) => ({ name, role, token: new Secret(TEST_TOKENS[name]!) })),
    ...(options.proxy ? { proxy: { header: 'x-forwarded-user', trustedAddresses: options.proxy.trustedAddresses, role: 'viewer' as const } } : {}),
  };
  const server: HttpServer = createHttpServer({
    repos: options.repos ?? [
      { id: 'infra', url: join(dir, 'no-such-remote.git'), deployBranch: 'main', forge: 'github', webhookSecret: new Secret(WEBHOOK_SECRETS.infra) },
      { id: 'lab', url: join(dir, 'lab.git'), deployBranch: 'main', forge: 'gitlab', webhookSecret: new Secret(WEBHOOK_SECRETS.lab) },
      { id: 'tea', url: join(dir, 'tea.git'), deployBranch: 'main', forge: 'gitea', webhookSecret: new Secret(WEBHOOK_SECRETS.tea) },
    ],
    intake,
    deployQueue,
    store,
    fetcher: createSourceFetcher({ dir: join(dir, 'source') }),
    metrics: createMetrics(async () => ({ deploy: await deployQueue.counts() })),
    incidents,
    remediation: { store: remediations, reviews, ledger, audit, configured: { dryRun: false, killSwitch: false } },
    unlock: async (target: StackId) => {
      unlocks++;
      return { stackKey: `${target.repo}/${target.project || '.'}/${target.stack}`, commit: 'c'.repeat(40) };
    },
    ready: async () => (await redis.ping()) === 'PONG',
    extra: createDashboardRoutes({ incidents, store, events: { log: createTimelineLog(redis, prefix), sessions: createStreamSessions(redis, prefix) } }),
    auth,
    webhookMaxBytes: 64 * 1024,
    // The trace receiver with its own ingest token (random: no test uses it here): open at the gate, like the webhooks.
    traces: { ingest: () => {}, token: new Secret(randomBytes(24).toString('hex')) },
    onRoute: (r) => routes.push(r),
  });
  const address = await listen(server, '127.0.0.1', 0);
  const review = await openReview(remediations, proposals.commit);

  return {
    url: `http://127.0.0.1:${address.port}`,
    routes,
    review,
    enqueued,
    audit: () => audit.list({ limit: 1000 }),
    async state() {
      return {
        audit: await audit.list({ limit: 1000 }),
        controls: await ledger.controls(),
        deployJobs: await deployQueue.counts(),
        reviews: (await remediations.reviews({ limit: 1000 })).map((r) => ({ id: r.id, status: r.status, decidedBy: r.decidedBy })),
        unlocks,
        enqueued: enqueued.length,
      };
    },
    async close() {
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

const BRANCH = 'homeostat/scale-out-sec';

/** A bare remote whose proposal branch holds one commit, as the remediation worker would have pushed it. */
async function proposalRemote(dir: string): Promise<{ url: string; commit: string }> {
  const url = join(dir, 'proposals.git');
  const work = join(dir, 'proposals-work');
  const env = { GIT_AUTHOR_NAME: 'Homeostat', GIT_AUTHOR_EMAIL: 'homeostat@localhost', GIT_COMMITTER_NAME: 'Homeostat', GIT_COMMITTER_EMAIL: 'homeostat@localhost' };
  await runGit(['init', '-q', '--bare', '-b', 'main', url]);
  await runGit(['init', '-q', '-b', 'main', work]);
  writeFileSync(join(work, 'Pulumi.yaml'), 'name: security\nruntime: nodejs\n');
  await runGit(['add', '.'], { cwd: work });
  await runGit(['commit', '-qm', 'scale checkout out to 3'], { cwd: work, env });
  await runGit(['push', '-q', url, 'HEAD:refs/heads/main', `HEAD:refs/heads/${BRANCH}`], { cwd: work });
  return { url, commit: await runGit(['rev-parse', 'HEAD'], { cwd: work }) };
}

/** An open review item (the remediation worker would have made it), for the decision routes. */
async function openReview(store: ReturnType<typeof createRemediationStore>, proposalCommit: string): Promise<ReviewItem> {
  const incidentId = 'inc-security-1';
  const id = remediationIdOf(incidentId);
  const reviewId = `rv-${id.slice(3)}`;
  const now = new Date().toISOString();
  const reasons = ['confidence 0.60 is below the threshold 0.70'];
  const proposal = {
    kind: 'config-patch' as const, playbook: 'scale-out', incidentId, stackKey: STACK, title: 'Scale checkout out to 3',
    expectedEffect: [{ signalId: 'cpu', direction: 'down' as const, relative: 0.3, note: 'more capacity' }],
    confidence: 0.6, risk: 'medium' as const, explanation: 'CPU saturated at capacity 2', evidence: ['cpu 97 at capacity 2'],
    file: 'stacks/Pulumi.sandbox.yaml', changes: [{ key: 'sandbox:capacity', from: 2, to: 3 }],
  };
  await store.save(
    RemediationRecordSchema.parse({
      id, incidentId, stackKey: STACK, repoId: 'infra', state: 'review', createdAt: now, updatedAt: now, playbook: 'scale-out', proposal,
      rawConfidence: 0.6, confidence: 0.6, decision: { decision: 'review', reasons, dryRun: false }, mode: 'review', branch: BRANCH, proposalCommit, baseCommit: 'a'.repeat(40), reviewId,
      events: [{ at: now, state: 'review', message: `waiting for a person: ${reasons[0]}` }],
    }),
  );
  const item = ReviewItemSchema.parse({
    id: reviewId, remediationId: id, status: 'open', createdAt: now, stackKey: STACK, repoId: 'infra', incidentId, playbook: 'scale-out',
    title: proposal.title, explanation: proposal.explanation, confidence: 0.6, risk: 'medium', branch: BRANCH, commit: proposalCommit, reasons,
  });
  await store.saveReview(item);
  return item;
}

/** A concrete URL for a registered route: its parameters filled with things that exist. */
export function concreteUrl(route: RegisteredRoute, api: Pick<SecuredApi, 'review'>): string {
  return route.url
    .replace(':key', STACK_IN_URL)
    .replace(':repoId', 'infra')
    .replace(':id', route.url.startsWith('/api/reviews') ? api.review.id : 'anything');
}

export const isMutating = (route: RegisteredRoute) => !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
