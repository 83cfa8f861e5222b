import type { AlarmRecord } from './metrics-reader.ts';
import type { WatchedStack } from './series.ts';

/**
 * Alarms in ALARM state, per stack. DescribeAlarms takes at most 100 names
 * a call, so names are chunked; a name two stacks share is reported for
 * each. Pure.
 */

/** The most `AlarmNames` one DescribeAlarms call accepts. */
export const MAX_ALARM_NAMES_PER_CALL = 100;

/** An alarm of a watched stack that is in ALARM state. */
export interface AlarmState {
  readonly stackKey: string;
  readonly alarmName: string;
  readonly state: 'ALARM';
  /** CloudWatch's reason text. */
  readonly reason: string;
  /** When the alarm entered the state, ms since the epoch (0 when unknown). */
  readonly updatedAt: number;
  /** When the poller saw it. */
  readonly observedAt: number;
}

/** The distinct alarm names of the stacks, sorted, in calls of at most `perCall`. */
export function alarmNameChunks(stacks: readonly WatchedStack[], perCall = MAX_ALARM_NAMES_PER_CALL): string[][] {
  const names = [...new Set(stacks.flatMap((s) => s.alarms))].sort();
  const out: string[][] = [];
  for (let i = 0; i < names.length; i += perCall) out.push(names.slice(i, i + perCall));
  return out;
}

/**
 * The ALARM-state records for the stacks. Records in other states are
 * dropped here too, not trusted to the server's filter.
 */
export function alarmStates(stacks: readonly WatchedStack[], records: readonly AlarmRecord[], observedAt: number): AlarmState[] {
  const inAlarm = new Map<string, AlarmRecord>();
  for (const r of records) if (r.state === 'ALARM') inAlarm.set(r.name, r);
  const out: AlarmState[] = [];
  for (const stack of stacks) {
    for (const name of new Set(stack.alarms)) {
      const r = inAlarm.get(name);
      if (r) out.push({ stackKey: stack.stackKey, alarmName: name, state: 'ALARM', reason: r.reason, updatedAt: r.updatedAt, observedAt });
    }
  }
  return out;
}
