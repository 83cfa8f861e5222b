import { PutMetricAlarmCommand, SetAlarmStateCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { alarmName, SANDBOX_ALARM_RULES, type AlarmRule, type AlarmTransition } from './alarm-rules.ts';
import { SANDBOX_DIMENSION, SANDBOX_METRICS_NAMESPACE } from './metrics-publisher.ts';

/**
 * The sandbox services' alarms in CloudWatch (moto): created once with
 * PutMetricAlarm, then driven with SetAlarmState from the transitions the
 * sandbox's own evaluation finds (alarm-rules.ts), since moto does not
 * evaluate alarms itself.
 */
export interface CloudAlarms {
  /** Creates every rule's alarm for each service, in state OK. */
  define(serviceNames: readonly string[]): Promise<void>;
  /** Sets the alarms' new states. */
  apply(transitions: readonly AlarmTransition[]): Promise<void>;
}

export interface CloudAlarmsOptions {
  /** A CloudWatch client; not destroyed here. */
  client: Pick<CloudWatchClient, 'send'>;
  /** The metric period, seconds: the sandbox's minute length. */
  periodSeconds: number;
  namespace?: string;
  rules?: readonly AlarmRule[];
}

export function createCloudAlarms(options: CloudAlarmsOptions): CloudAlarms {
  const { client, periodSeconds } = options;
  const namespace = options.namespace ?? SANDBOX_METRICS_NAMESPACE;
  const rules = options.rules ?? SANDBOX_ALARM_RULES;
  return {
    async define(serviceNames) {
      for (const serviceName of serviceNames) {
        for (const rule of rules) {
          const AlarmName = alarmName(serviceName, rule);
          await client.send(
            new PutMetricAlarmCommand({
              AlarmName,
              AlarmDescription: `sandbox: ${rule.metricName} of ${serviceName} at or above ${rule.threshold} for ${rule.minutes} simulated minutes`,
              Namespace: namespace,
              MetricName: rule.metricName,
              Dimensions: [{ Name: SANDBOX_DIMENSION, Value: serviceName }],
              Statistic: 'Average',
              Period: periodSeconds,
              EvaluationPeriods: rule.minutes,
              DatapointsToAlarm: rule.minutes,
              Threshold: rule.threshold,
              ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            }),
          );
          await client.send(new SetAlarmStateCommand({ AlarmName, StateValue: 'OK', StateReason: 'created by the sandbox' }));
        }
      }
    },
    async apply(transitions) {
      for (const t of transitions) {
        await client.send(new SetAlarmStateCommand({ AlarmName: t.alarmName, StateValue: t.state, StateReason: t.reason }));
      }
    },
  };
}
