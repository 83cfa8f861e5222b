import type { AlarmState as PolledAlarm } from '../telemetry/alarm-state.ts';
import { alarmInput, type CorrelationInput } from './correlation-input.ts';
import type { TrackerState } from './tracker-state.ts';

/**
 * Alarm transitions from one poll of the telemetry stage, which lists only
 * the alarms in ALARM: each listed alarm is an ALARM input (at the time it
 * entered the state, else when it was seen), and an alarm that an open
 * incident holds in ALARM but the poll no longer lists has returned to OK,
 * at `observedAt`. With `polledStacks`, only alarms of those stacks can be
 * cleared (a poll of some stacks says nothing about the others). Pure.
 */
export function alarmInputsFromPoll(state: TrackerState, polled: readonly PolledAlarm[], observedAt: number, polledStacks?: readonly string[]): CorrelationInput[] {
  const key = (stackKey: string, alarmName: string) => JSON.stringify([stackKey, alarmName]);
  const listed = new Set(polled.map((p) => key(p.stackKey, p.alarmName)));
  const inputs: CorrelationInput[] = polled.map((p) =>
    alarmInput({ stackKey: p.stackKey, alarmName: p.alarmName, state: 'ALARM', timestamp: p.updatedAt > 0 ? p.updatedAt : p.observedAt }),
  );
  for (const inc of state.open) {
    for (const a of inc.alarms) {
      if (a.state !== 'ALARM' || listed.has(key(a.stackKey, a.alarmName))) continue;
      if (polledStacks && !polledStacks.includes(a.stackKey)) continue;
      inputs.push(alarmInput({ stackKey: a.stackKey, alarmName: a.alarmName, state: 'OK', timestamp: Math.max(observedAt, a.stateAt + 1) }));
    }
  }
  return inputs;
}
