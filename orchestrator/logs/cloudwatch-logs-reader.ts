import { CloudWatchLogsClient, FilterLogEventsCommand, type CloudWatchLogsClientConfig } from '@aws-sdk/client-cloudwatch-logs';
import type { LogEvent } from './log-watermark.ts';

/**
 * The CloudWatch Logs adapter: one FilterLogEvents page at a time. Region,
 * credentials and endpoint as for the metrics client (the SDK also honours
 * `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` and `AWS_ENDPOINT_URL`).
 */
export interface CloudWatchLogsClientOptions {
  /** Endpoint override, for example moto's `http://127.0.0.1:5000`. Default: the SDK's. */
  endpoint?: string;
  /** Default: the SDK's chain. */
  region?: string;
  /** Default: the SDK's credential chain. */
  credentials?: CloudWatchLogsClientConfig['credentials'];
  /** @defaultValue 1: the poller retries on its own schedule, as the metrics poller does. */
  maxAttempts?: number;
}

/** One FilterLogEvents request: a group, an inclusive time range, a page token. */
export interface LogPageRequest {
  readonly group: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly filterPattern?: string;
  readonly nextToken?: string;
  /** Events per page. Default: the API's (up to 10,000 or 1 MB). */
  readonly limit?: number;
}

export interface LogPage {
  readonly events: LogEvent[];
  readonly nextToken?: string;
}

/** What the log poller needs from CloudWatch Logs. */
export interface LogsReader {
  filterLogEvents(req: LogPageRequest): Promise<LogPage>;
}

export function createCloudWatchLogsClient(options: CloudWatchLogsClientOptions = {}): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    maxAttempts: options.maxAttempts ?? 1,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
}

export function createCloudWatchLogsReader(deps: CloudWatchLogsClientOptions & { client?: CloudWatchLogsClient } = {}): LogsReader {
  const client = deps.client ?? createCloudWatchLogsClient(deps);
  return {
    async filterLogEvents(req) {
      const res = await client.send(
        new FilterLogEventsCommand({
          logGroupName: req.group,
          startTime: req.startTime,
          endTime: req.endTime,
          // AWS always interleaves now and ignores the flag; moto still sorts by time across streams only with it.
          interleaved: true,
          ...(req.filterPattern !== undefined ? { filterPattern: req.filterPattern } : {}),
          ...(req.nextToken !== undefined ? { nextToken: req.nextToken } : {}),
          ...(req.limit !== undefined ? { limit: req.limit } : {}),
        }),
      );
      const events: LogEvent[] = (res.events ?? []).map((e) => ({
        logStreamName: e.logStreamName ?? '',
        eventId: e.eventId ?? '',
        timestamp: e.timestamp ?? 0,
        message: e.message ?? '',
      }));
      return { events, ...(res.nextToken ? { nextToken: res.nextToken } : {}) };
    },
  };
}
