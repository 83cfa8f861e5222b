import { z } from 'zod';
import { AlarmStateSchema, type AlarmState } from './alarm-state.ts';
import { AnomalySignalSchema, type AnomalySignal } from './anomaly-signal.ts';
import { PredictedBreachSchema, type PredictedBreach } from './predicted-breach.ts';

/**
 * What the incident tracker takes: an anomaly, an alarm state or a predicted
 * breach, and the total order `step` processes a batch of them in.
 */

/** One input of a step. */
export const CorrelationInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('anomaly'), anomaly: AnomalySignalSchema }),
  z.object({ kind: z.literal('alarm'), alarm: AlarmStateSchema }),
  z.object({ kind: z.literal('forecast'), prediction: PredictedBreachSchema }),
]);
export type CorrelationInput = z.infer<typeof CorrelationInputSchema>;

/** Wraps an anomaly as a step input. */
export function anomalyInput(anomaly: AnomalySignal): CorrelationInput {
  return { kind: 'anomaly', anomaly };
}

/** Wraps an alarm state as a step input. */
export function alarmInput(alarm: AlarmState): CorrelationInput {
  return { kind: 'alarm', alarm };
}

/** Wraps a predicted breach as a step input. */
export function forecastInput(prediction: PredictedBreach): CorrelationInput {
  return { kind: 'forecast', prediction };
}

/** Signal time of an input. */
export function inputTime(e: CorrelationInput): number {
  return e.kind === 'anomaly' ? e.anomaly.timestamp : e.kind === 'alarm' ? e.alarm.timestamp : e.prediction.timestamp;
}

const KIND_ORDER: Record<CorrelationInput['kind'], number> = { anomaly: 0, alarm: 1, forecast: 2 };

/** Ascending order of two strings or two numbers. */
export function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order on inputs: time, then kind, stack, series or alarm, then the values. */
export function compareInputs(a: CorrelationInput, b: CorrelationInput): number {
  const byTime = inputTime(a) - inputTime(b);
  if (byTime !== 0) return byTime;
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (a.kind === 'anomaly' && b.kind === 'anomaly') {
    const x = a.anomaly;
    const y = b.anomaly;
    return cmp(x.stackKey, y.stackKey) || cmp(x.seriesId, y.seriesId) || cmp(x.score, y.score) || cmp(x.value, y.value);
  }
  if (a.kind === 'alarm' && b.kind === 'alarm') {
    const x = a.alarm;
    const y = b.alarm;
    return cmp(x.stackKey, y.stackKey) || cmp(x.alarmName, y.alarmName) || cmp(x.state, y.state);
  }
  if (a.kind === 'forecast' && b.kind === 'forecast') {
    const x = a.prediction;
    const y = b.prediction;
    return cmp(x.stackKey, y.stackKey) || cmp(x.seriesId, y.seriesId) || cmp(x.timeToBreachMs, y.timeToBreachMs) || cmp(x.value, y.value);
  }
  return 0;
}
