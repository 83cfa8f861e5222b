import { z } from 'zod';

/** Recent values of one health signal, as the telemetry adapter read them: the baseline the saturation rule compares with. */
export const SignalSeriesSchema = z.object({
  stackKey: z.string().min(1),
  /** The health signal's id in the stack's contract. */
  signalId: z.string().min(1),
  points: z.array(z.object({ timestamp: z.number(), value: z.number() })),
});
export type SignalSeries = z.infer<typeof SignalSeriesSchema>;

/** Mean of the values with `from <= timestamp < to`, or undefined when there are none. */
export function meanBetween(series: SignalSeries | undefined, from: number, to: number): number | undefined {
  let sum = 0;
  let n = 0;
  for (const p of series?.points ?? []) {
    if (p.timestamp >= from && p.timestamp < to && Number.isFinite(p.value)) {
      sum += p.value;
      n++;
    }
  }
  return n === 0 ? undefined : sum / n;
}

/** Largest value with `from <= timestamp <= to`, or undefined. */
export function maxBetween(series: SignalSeries | undefined, from: number, to: number): number | undefined {
  let best: number | undefined;
  for (const p of series?.points ?? []) {
    if (p.timestamp >= from && p.timestamp <= to && Number.isFinite(p.value)) best = best === undefined ? p.value : Math.max(best, p.value);
  }
  return best;
}
