import type { MetricQuery } from './query-batch.ts';

/**
 * What the poller needs from CloudWatch, in plain data (ms timestamps, no
 * SDK types), so the poller and its tests never see the AWS SDK. The
 * CloudWatch adapter (`cloudwatch-reader.ts`) implements it.
 */

/** One page of a GetMetricData call. */
export interface MetricDataRequest {
  readonly startMs: number;
  readonly endMs: number;
  readonly queries: readonly MetricQuery[];
  readonly nextToken?: string;
}

/** The part of one query's result in one page. */
export interface QueryResultPage {
  readonly id: string;
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
  /** `Complete`, `PartialData` (more in a later page), `InternalError` or `Forbidden`. */
  readonly status: string;
  readonly messages: readonly string[];
}

export interface MetricDataPage {
  readonly results: readonly QueryResultPage[];
  readonly nextToken?: string;
}

/** One page of a DescribeAlarms call. */
export interface AlarmsRequest {
  readonly alarmNames: readonly string[];
  readonly stateValue: 'ALARM';
  readonly nextToken?: string;
}

/** A metric or composite alarm, as DescribeAlarms reports it. */
export interface AlarmRecord {
  readonly name: string;
  /** `OK`, `ALARM` or `INSUFFICIENT_DATA`. */
  readonly state: string;
  readonly reason: string;
  /** When the state last changed, ms since the epoch (0 when unknown). */
  readonly updatedAt: number;
}

export interface AlarmsPage {
  readonly alarms: readonly AlarmRecord[];
  readonly nextToken?: string;
}

/** The CloudWatch reads the telemetry stage makes. Errors are thrown as the SDK throws them. */
export interface MetricsReader {
  getMetricData(request: MetricDataRequest): Promise<MetricDataPage>;
  describeAlarms(request: AlarmsRequest): Promise<AlarmsPage>;
}
