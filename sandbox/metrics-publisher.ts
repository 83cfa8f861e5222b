import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { FleetModel, ServiceShape } from './fleet-model.ts';
import { historySamples, type ServiceSample } from './scenarios.ts';
import { timestampOfMinute, type SimTimeline } from './sim-clock.ts';

/**
 * The sandbox's CloudWatch adapter: publishes fleet samples with
 * PutMetricData, as the services' own agents would in a cloud.
 *
 * Each sample becomes five datums in namespace `Homeostat/Sandbox` with
 * dimension `ServiceName=<service name>`, the sandbox stack's health signals:
 * `CPUUtilization` (Percent), `LatencyP95` (Milliseconds), `ErrorRate`
 * (Percent), `RequestCount` (Count) and `DiskUsedPercent` (Percent). One datum per metric per simulated
 * minute, so reading back with the timeline's period gives the sample's
 * value for any statistic (Average, Sum, Minimum, Maximum).
 *
 * Timestamps: simulated minute `m` is published at
 * `timeline.originMs + m·period`: with a live timeline (the sandbox's) at
 * the real time the minute starts, one period of the minute's real length;
 * with a headroom timeline at `T0 − H·60 s + m·60 s`. See {@link SimTimeline}
 * in sim-clock.ts. Backfilled history is minutes
 * −N … −1. Create the client with `disableRequestCompression: true` when the
 * endpoint is moto, which cannot read the gzipped bodies the SDK sends above
 * 10 KB.
 */

/**
 * The sandbox stack's namespace (`SANDBOX_NAMESPACE` in stacks/sandbox/index.ts,
 * which is not imported here because it loads the Pulumi SDK; a unit test
 * keeps the two equal).
 */
export const SANDBOX_METRICS_NAMESPACE = 'Homeostat/Sandbox';

/** The most datums one PutMetricData call takes. */
export const MAX_DATUMS_PER_CALL = 1000;

/** Metric names of the sandbox services, as the sandbox stack's health signals name them. */
export const SANDBOX_METRICS = {
  cpu: 'CPUUtilization',
  latencyP95: 'LatencyP95',
  errorRate: 'ErrorRate',
  requestCount: 'RequestCount',
  diskUsedPercent: 'DiskUsedPercent',
} as const;

export const SANDBOX_DIMENSION = 'ServiceName';

/**
 * The five datums of one sample, stamped at `timestampMs`; high-resolution
 * (`StorageResolution: 1`) when `periodMs` is under a minute, as CloudWatch
 * needs to keep sub-minute periods apart.
 */
export function sampleDatums(sample: ServiceSample, timestampMs: number, periodMs = 60_000): MetricDatum[] {
  const Dimensions = [{ Name: SANDBOX_DIMENSION, Value: sample.serviceName }];
  const Timestamp = new Date(timestampMs);
  const resolution = periodMs < 60_000 ? { StorageResolution: 1 } : {};
  return [
    { MetricName: SANDBOX_METRICS.cpu, Dimensions, Timestamp, Value: sample.cpu, Unit: 'Percent', ...resolution },
    { MetricName: SANDBOX_METRICS.latencyP95, Dimensions, Timestamp, Value: sample.latencyP95, Unit: 'Milliseconds', ...resolution },
    { MetricName: SANDBOX_METRICS.errorRate, Dimensions, Timestamp, Value: sample.errorRate, Unit: 'Percent', ...resolution },
    { MetricName: SANDBOX_METRICS.requestCount, Dimensions, Timestamp, Value: sample.requestCount, Unit: 'Count', ...resolution },
    { MetricName: SANDBOX_METRICS.diskUsedPercent, Dimensions, Timestamp, Value: sample.diskUsedPercent, Unit: 'Percent', ...resolution },
  ];
}

/** Splits `items` into runs of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`invalid chunk size: ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface MetricsPublisherOptions {
  /** A CloudWatch client (for moto: `disableRequestCompression: true`). The publisher does not destroy it. */
  client: Pick<CloudWatchClient, 'send'>;
  /** Where simulated minutes land on the wall clock. */
  timeline: SimTimeline;
  /** Default `Homeostat/Sandbox` (tests use their own, to keep apart in a shared moto). */
  namespace?: string;
  /** Datums per call, at most {@link MAX_DATUMS_PER_CALL} (the default). */
  batchSize?: number;
}

export interface PublishResult {
  readonly datums: number;
  readonly calls: number;
}

export interface MetricsPublisher {
  readonly namespace: string;
  readonly timeline: SimTimeline;
  /** CloudWatch timestamp (ms) of simulated minute `m`. */
  timestampOf(minute: number): number;
  /** Publishes samples (any services, any minutes), in calls of at most 1000 datums, one after another. */
  publish(samples: readonly ServiceSample[]): Promise<PublishResult>;
  /**
   * Publishes `minutes` of healthy history (minutes −N … −1, no scenario) for
   * `services` as they are, so detectors have a baseline before the run starts.
   */
  backfill(model: FleetModel, services: readonly ServiceShape[], minutes: number): Promise<PublishResult>;
}

export function createMetricsPublisher(options: MetricsPublisherOptions): MetricsPublisher {
  const namespace = options.namespace ?? SANDBOX_METRICS_NAMESPACE;
  const batchSize = options.batchSize ?? MAX_DATUMS_PER_CALL;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_DATUMS_PER_CALL) {
    throw new Error(`invalid metrics publisher batchSize: ${batchSize} (1 to ${MAX_DATUMS_PER_CALL})`);
  }
  const { client, timeline } = options;
  const timestampOf = (minute: number) => timestampOfMinute(timeline, minute);
  async function publish(samples: readonly ServiceSample[]): Promise<PublishResult> {
    const datums = samples.flatMap((s) => sampleDatums(s, timestampOf(s.minute), timeline.periodMs));
    const batches = chunk(datums, batchSize);
    for (const MetricData of batches) {
      await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData }));
    }
    return { datums: datums.length, calls: batches.length };
  }
  return {
    namespace,
    timeline,
    timestampOf,
    publish,
    backfill(model, services, minutes) {
      return publish(historySamples(model, services, minutes));
    },
  };
}
