import type { Redis } from 'ioredis';
import { createAnomalyStage } from '../telemetry/anomaly-stage.ts';
import type { Anomaly } from '../telemetry/anomaly.ts';
import { createRedisTelemetryStore } from '../telemetry/redis-telemetry-store.ts';
import { createCloudWatchLogsClient, createCloudWatchLogsReader, type CloudWatchLogsClientOptions } from './cloudwatch-logs-reader.ts';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { WatchedLogGroup } from './log-groups.ts';
import { createLogPoller, DEFAULT_LOG_POLLER_OPTIONS, type LogPollerOptions, type LogPollSummary } from './log-poller.ts';
import { createLogSignals, type LogSignalOptions, type NewTemplateEvent } from './log-signals.ts';
import { createRedisLogWatermarkStore } from './log-watermark-store.ts';
import type { LogEvidenceStore } from './log-evidence-store.ts';

/**
 * The log half of the detect stage, wired to its I/O: the poller reads
 * CloudWatch Logs (watermarks in Redis), the signals mine templates and count
 * them per period, and the counts go through the same anomaly stage, with the
 * same Redis telemetry store, as the metrics do. One poll:
 * read → mine → flush the periods the read has closed → detect.
 */
export interface LogRunnerDeps extends CloudWatchLogsClientOptions {
  readonly redis: Redis;
  /** @defaultValue 'homeostat' */
  readonly prefix?: string;
  /** A Logs client to use instead of one made from the options above. */
  readonly client?: CloudWatchLogsClient;
  /** The groups to read, or where to learn them each poll (the stacks' contracts change as they are applied). */
  readonly groups: readonly WatchedLogGroup[] | (() => Promise<readonly WatchedLogGroup[]>);
  /** Where the lines behind new templates and log anomalies are recorded, for incidents and diagnosis. */
  readonly evidence?: LogEvidenceStore;
  readonly onAnomalies: (anomalies: readonly Anomaly[]) => Promise<void> | void;
  readonly onNewTemplates?: (events: readonly NewTemplateEvent[]) => Promise<void> | void;
  readonly onWarning?: (message: string) => void;
  readonly pollerOptions?: Partial<LogPollerOptions>;
  readonly signalOptions?: Partial<LogSignalOptions>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What one poll did: the poller's summary, the points scored, the anomalies and new templates reported. */
export interface LogRunSummary extends LogPollSummary {
  points: number;
  anomalies: number;
  newTemplates: number;
}

export function createLogRunner(deps: LogRunnerDeps) {
  const prefix = deps.prefix ?? 'homeostat';
  const now = deps.now ?? Date.now;
  const settleMs = deps.pollerOptions?.settleMs ?? DEFAULT_LOG_POLLER_OPTIONS.settleMs;
  const signals = createLogSignals(deps.signalOptions);
  const stage = createAnomalyStage({
    store: createRedisTelemetryStore({ redis: deps.redis, prefix }),
    onAnomalies: async (anomalies) => {
      // The lines first: the incident these anomalies open reads them.
      await deps.evidence?.record(anomalies.flatMap((a) => signals.evidenceOfSeries(a.seriesId, a.timestamp)));
      await deps.onAnomalies(anomalies);
    },
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
  });
  let fresh: NewTemplateEvent[] = [];
  const client = deps.client ?? createCloudWatchLogsClient(deps);
  const reader = createCloudWatchLogsReader({ client });
  const store = createRedisLogWatermarkStore({ redis: deps.redis, prefix });
  // The poller keeps nothing between polls (its places are in Redis), so one is made per poll for the groups of the moment.
  const pollerFor = (groups: readonly WatchedLogGroup[]) => createLogPoller({
    reader,
    store,
    groups,
    // Mining is in memory and cannot fail, so the watermark moves as soon as the events are mined.
    onEvents: (batch) => void fresh.push(...signals.ingest(batch)),
    now,
    ...(deps.pollerOptions ? { options: deps.pollerOptions } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });

  async function pollOnce(): Promise<LogRunSummary> {
    const readAt = now();
    fresh = [];
    const groups = typeof deps.groups === 'function' ? await deps.groups() : deps.groups;
    const summary = await pollerFor(groups).pollOnce();
    const newTemplates = fresh;
    // The error lines of this read, new templates or known ones, for the incidents of this time.
    await deps.evidence?.record([...signals.takeErrorEvidence(), ...newTemplates.flatMap((e) => signals.evidenceOfNew(e) ?? [])]);
    if (newTemplates.length) await deps.onNewTemplates?.(newTemplates);
    // Every period that ended by the read's end is complete (but for events later than the settle delay).
    // A group whose read failed keeps its periods open: they are not complete.
    const points = signals.flush(readAt - settleMs, new Set(summary.failed.map((f) => f.group)));
    const anomalies = points.length ? await stage.handlePoints(points) : [];
    return { ...summary, points: points.length, anomalies: anomalies.length, newTemplates: newTemplates.length };
  }

  return {
    pollOnce,
    samples: signals.samples,
    templates: signals.templates,
    /** Closes the Logs client it made (one passed in is the caller's to close). */
    close(): void {
      if (!deps.client) client.destroy();
    },
  };
}

export type LogRunner = ReturnType<typeof createLogRunner>;
