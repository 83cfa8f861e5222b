import type { FastifyInstance } from 'fastify';
import type { Secret } from '../config/secret.ts';
import type { IncidentStore } from '../correlate/incident-store.ts';
import type { ForceUnlock } from '../deploy/force-unlock.ts';
import type { PullRequestSettings } from '../intake/fork-policy.ts';
import type { IntakeQueue } from '../intake/intake-queue.ts';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import type { RunStore } from '../records/run-store.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';
import type { SignalHealth } from '../telemetry/index.ts';
import type { AuthSettings } from './auth.ts';
import type { Metrics } from './metrics.ts';
import type { Notifier } from '../notify/notify-queue.ts';
import type { RemediationApiDeps } from './remediation-routes.ts';
import type { TraceIngest } from './trace-routes.ts';
import type { PromotionApiDeps } from './promotion-routes.ts';

/** A watched repository as the HTTP layer sees it. */
export interface HttpRepo {
  id: string;
  url: string;
  deployBranch: string;
  forge?: 'github' | 'gitlab' | 'gitea';
  webhookSecret?: Secret;
  pullRequests?: PullRequestSettings;
}

export interface HttpDeps {
  repos: readonly HttpRepo[];
  intake: IntakeQueue;
  deployQueue: DeployQueue;
  store: RunStore;
  fetcher: SourceFetcher;
  metrics: Metrics;
  /** Whether the service can do its work (Redis reachable, workers running). */
  ready(): Promise<boolean>;
  /** Who may call what: API tokens (and a trusted proxy), or `none` on loopback. */
  auth: AuthSettings;
  webhookMaxBytes?: number;
  /** Incidents and their diagnoses (AIOps); none when telemetry is off. */
  incidents?: IncidentStore;
  /** Health of each watched signal (fresh or stale, and why). */
  signalHealth?: () => SignalHealth[] | Promise<SignalHealth[]>;
  /** Notifications that failed every try (the dead-letter list). */
  notifications?: Pick<Notifier, 'deadLetters'>;
  /** Review items, remediations, the audit log and run-time controls. */
  remediation?: RemediationApiDeps;
  /** Promotion waves: where each change stands, and an operator's pause and resume. */
  promotions?: PromotionApiDeps;
  /** Removes a stack's engine locks by force, for a person (only where workers run). */
  unlock?: ForceUnlock;
  /** What the service runs on, reported by `/healthz`. */
  runtime?: { node: string; engine: string };
  /** The OTLP/HTTP trace receiver (`POST /v1/traces`); absent: no such route. */
  traces?: TraceIngest;
  /** Extra routes (the dashboard), registered on the same server and so behind the same auth hook. */
  extra?: (app: FastifyInstance) => void;
  /** Called with each route as it is registered (method, url, access): the security tests enumerate them. */
  onRoute?: (route: { method: string; url: string; access: string }) => void;
}
