import type { ServiceSample } from './scenarios.ts';

/**
 * The CloudWatch alarms of the sandbox services, as the cloud would evaluate
 * them. moto stores alarms but never evaluates them, so the sandbox, playing
 * the cloud, does: each simulated minute it folds the samples it publishes
 * into the alarms' states and reports the transitions, which it then sets in
 * moto. The names are the ones the sandbox stack's contract lists
 * (`<service>-high-cpu`, `<service>-high-errors`, `<service>-disk-full`), so Homeostat's poller
 * reads them like any stack's alarms. Pure.
 *
 * Semantics are CloudWatch's "N out of N datapoints": an alarm goes to ALARM
 * after `minutes` breaching minutes in a row, and back to OK at the first
 * minute that does not breach.
 */

/** One alarm on a sandbox service's metric. */
export interface AlarmRule {
  /** Name suffix: the alarm is `<service>-<suffix>`. */
  readonly suffix: string;
  /** The sample field the alarm watches. */
  readonly field: 'cpu' | 'errorRate' | 'latencyP95' | 'diskUsedPercent';
  /** The CloudWatch metric of that field (metrics-publisher.ts `SANDBOX_METRICS`). */
  readonly metricName: string;
  /** Breaching at or above this value. */
  readonly threshold: number;
  /** Breaching minutes in a row before ALARM. */
  readonly minutes: number;
}

/** CPU at 80 % or more, 5 % of requests failing, or the data volume 90 % full, for 3 minutes in a row. */
export const SANDBOX_ALARM_RULES: readonly AlarmRule[] = Object.freeze([
  { suffix: 'high-cpu', field: 'cpu', metricName: 'CPUUtilization', threshold: 80, minutes: 3 },
  { suffix: 'high-errors', field: 'errorRate', metricName: 'ErrorRate', threshold: 5, minutes: 3 },
  { suffix: 'disk-full', field: 'diskUsedPercent', metricName: 'DiskUsedPercent', threshold: 90, minutes: 3 },
]);

export function alarmName(serviceName: string, rule: Pick<AlarmRule, 'suffix'>): string {
  return `${serviceName}-${rule.suffix}`;
}

export type AlarmStateValue = 'OK' | 'ALARM';

/** An alarm changing state at the end of a simulated minute. */
export interface AlarmTransition {
  readonly alarmName: string;
  readonly serviceName: string;
  readonly state: AlarmStateValue;
  readonly minute: number;
  /** CloudWatch's StateReason, for people. */
  readonly reason: string;
}

export interface AlarmEvaluator {
  /** Folds one minute's samples in; returns the alarms that changed state. */
  observe(samples: readonly ServiceSample[]): AlarmTransition[];
  /** Alarms now in ALARM, by name. */
  inAlarm(): string[];
}

export function createAlarmEvaluator(rules: readonly AlarmRule[] = SANDBOX_ALARM_RULES): AlarmEvaluator {
  for (const r of rules) {
    if (!Number.isInteger(r.minutes) || r.minutes < 1) throw new Error(`invalid alarm rule ${r.suffix}: minutes must be a whole number, 1 or more, got ${r.minutes}`);
  }
  const states = new Map<string, { breaching: number; state: AlarmStateValue }>();
  return {
    observe(samples) {
      const out: AlarmTransition[] = [];
      for (const sample of samples) {
        for (const rule of rules) {
          const name = alarmName(sample.serviceName, rule);
          const s = states.get(name) ?? { breaching: 0, state: 'OK' as AlarmStateValue };
          const value = sample[rule.field];
          s.breaching = value >= rule.threshold ? s.breaching + 1 : 0;
          const next: AlarmStateValue = s.breaching >= rule.minutes ? 'ALARM' : 'OK';
          if (next !== s.state) {
            const reason =
              next === 'ALARM'
                ? `${rule.metricName} at or above ${rule.threshold} for ${rule.minutes} minutes (last ${value})`
                : `${rule.metricName} back below ${rule.threshold} (${value})`;
            out.push({ alarmName: name, serviceName: sample.serviceName, state: next, minute: sample.minute, reason });
          }
          s.state = next;
          states.set(name, s);
        }
      }
      return out;
    },
    inAlarm: () => [...states].filter(([, s]) => s.state === 'ALARM').map(([name]) => name),
  };
}
