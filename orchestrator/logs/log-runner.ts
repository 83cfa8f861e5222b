import type { Redis } from 'ioredis';
import { createAnomalyStage } from '../telemetry/anomaly-stage.ts';
import type { Anomaly } from '../telemetry/anomaly.ts';
import { createRedisTelemetryStore } from '../telemetry/redis-telemetry-store.ts';
import { createCloudWatchLogsReader, type CloudWatchLogsClientOptions } from './cloudwatch-logs-reader.ts';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { WatchedLogGroup } from './log-groups.ts';
import { createLogPoller, DEFAULT_LOG_POLLER_OPTIONS, type LogPollerOptions, type LogPollSummary } from './log-poller.ts';
import { createLogSignals, type LogSignalOptions, type NewTemplateEvent } from './log-signals.ts';
import { createRedisLogWatermarkStore } from './log-watermark-store.ts';

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
  readonly groups: readonly WatchedLogGroup[];
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
    onAnomalies: deps.onAnomalies,
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
  });
  let fresh: NewTemplateEvent[] = [];
  const poller = createLogPoller({
    reader: createCloudWatchLogsReader({ ...deps, ...(deps.client ? { client: deps.client } : {}) }),
    store: createRedisLogWatermarkStore({ redis: deps.redis, prefix }),
    groups: deps.groups,
    // Mining is in memory and cannot fail, so the watermark moves as soon as the events are mined.
    onEvents: (batch) => void fresh.push(...signals.ingest(batch)),
    now,
    ...(deps.pollerOptions ? { options: deps.pollerOptions } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });

  async function pollOnce(): Promise<LogRunSummary> {
    const readAt = now();
    fresh = [];
    const summary = await poller.pollOnce();
    const newTemplates = fresh;
    if (newTemplates.length) await deps.onNewTemplates?.(newTemplates);
    // Every period that ended by the read's end is complete (but for events later than the settle delay).
    // A group whose read failed keeps its periods open: they are not complete.
    const points = signals.flush(readAt - settleMs, new Set(summary.failed.map((f) => f.group)));
    const anomalies = points.length ? await stage.handlePoints(points) : [];
    return { ...summary, points: points.length, anomalies: anomalies.length, newTemplates: newTemplates.length };
  }

  return { pollOnce, samples: signals.samples, templates: signals.templates };
}

export type LogRunner = ReturnType<typeof createLogRunner>;
