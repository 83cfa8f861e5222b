import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import type { AlarmRecord, MetricsReader } from './metrics-reader.ts';

/**
 * The CloudWatch adapter: {@link MetricsReader} over `@aws-sdk/client-cloudwatch`.
 * Region and credentials come from the SDK's standard chain (environment,
 * shared config, SSO, instance or container role) unless given; the
 * endpoint may be overridden for a local CloudWatch such as moto (the SDK
 * also honours `AWS_ENDPOINT_URL_CLOUDWATCH` and `AWS_ENDPOINT_URL`).
 */
export interface CloudWatchClientOptions {
  /** Endpoint override, for example `http://127.0.0.1:5000` for moto. Default: the SDK's. */
  endpoint?: string;
  /** Default: the SDK's chain (`AWS_REGION`, shared config). */
  region?: string;
  /** Default: the SDK's credential chain. */
  credentials?: CloudWatchClientConfig['credentials'];
  /**
   * Attempts per request inside the SDK.
   * @defaultValue 1: the poller retries on its own schedule, and two retry layers would multiply.
   */
  maxAttempts?: number;
  /**
   * Sends large PutMetricData bodies uncompressed. moto cannot read the gzip
   * bodies the SDK sends above 10 KB, so writers to a local endpoint set it.
   * @defaultValue false
   */
  disableRequestCompression?: boolean;
}

export function createCloudWatchClient(options: CloudWatchClientOptions = {}): CloudWatchClient {
  return new CloudWatchClient({
    maxAttempts: options.maxAttempts ?? 1,
    disableRequestCompression: options.disableRequestCompression ?? false,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
}

export interface CloudWatchReaderDeps extends CloudWatchClientOptions {
  /** A client to use instead of creating one (the other options are then ignored). */
  client?: CloudWatchClient;
}

export function createCloudWatchReader(deps: CloudWatchReaderDeps = {}): MetricsReader {
  const client = deps.client ?? createCloudWatchClient(deps);
  return {
    async getMetricData(req) {
      const res = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(req.startMs),
          EndTime: new Date(req.endMs),
          ScanBy: 'TimestampAscending',
          NextToken: req.nextToken,
          MetricDataQueries: req.queries.map((q) => ({
            Id: q.id,
            ReturnData: true,
            MetricStat: {
              Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: q.dimensions.map((d) => ({ Name: d.name, Value: d.value })) },
              Period: q.periodSeconds,
              Stat: q.stat,
            },
          })),
        }),
      );
      return {
        results: (res.MetricDataResults ?? []).map((r) => ({
          id: r.Id ?? '',
          timestamps: (r.Timestamps ?? []).map((t) => t.getTime()),
          values: r.Values ?? [],
          status: r.StatusCode ?? 'Complete',
          messages: (r.Messages ?? []).map((m) => `${m.Code ?? 'Message'}: ${m.Value ?? ''}`),
        })),
        ...(res.NextToken ? { nextToken: res.NextToken } : {}),
      };
    },
    async describeAlarms(req) {
      const res = await client.send(
        new DescribeAlarmsCommand({
          AlarmNames: [...req.alarmNames],
          StateValue: req.stateValue,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          NextToken: req.nextToken,
        }),
      );
      const alarms: AlarmRecord[] = [...(res.MetricAlarms ?? []), ...(res.CompositeAlarms ?? [])].map((a) => ({
        name: a.AlarmName ?? '',
        state: a.StateValue ?? 'INSUFFICIENT_DATA',
        reason: a.StateReason ?? '',
        updatedAt: a.StateUpdatedTimestamp?.getTime() ?? 0,
      }));
      return { alarms, ...(res.NextToken ? { nextToken: res.NextToken } : {}) };
    },
  };
}
