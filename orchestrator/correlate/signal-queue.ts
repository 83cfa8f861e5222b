import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openQueue } from '../queue/open-queue.ts';
import { CorrelationInputSchema, type CorrelationInput } from './index.ts';

/** Queue of anomalies and alarm states waiting for the correlate worker. */
export const SIGNAL_QUEUE = 'signals';

/**
 * Job ids from content: the series fingerprint and the time bucket of the
 * point (an alarm: its name, state and time; a predicted breach: its series
 * and the time of the point it rests on), so a replayed poll adds nothing.
 */
export function signalJobId(input: CorrelationInput): string {
  const content =
    input.kind === 'anomaly'
      ? `anomaly|${input.anomaly.seriesId}|${input.anomaly.timestamp}`
      : input.kind === 'alarm'
        ? `alarm|${input.alarm.stackKey}|${input.alarm.alarmName}|${input.alarm.state}|${input.alarm.timestamp}`
        : `forecast|${input.prediction.seriesId}|${input.prediction.timestamp}`;
  return createHash('sha256').update(content).digest('hex').slice(0, 32);
}

export function createSignalQueue(connection: Redis, prefix = 'homeostat') {
  const queue = openQueue<CorrelationInput>(SIGNAL_QUEUE, connection, prefix);
  return {
    queue,
    /** Adds the inputs; returns how many were new. */
    async add(inputs: readonly CorrelationInput[]): Promise<number> {
      let added = 0;
      for (const input of inputs) {
        const parsed = CorrelationInputSchema.parse(input);
        const jobId = signalJobId(parsed);
        if (await queue.getJob(jobId)) continue;
        await queue.add(parsed.kind, parsed, { jobId, removeOnComplete: { age: 24 * 3600, count: 100_000 }, removeOnFail: { age: 7 * 24 * 3600 } });
        added += 1;
      }
      return added;
    },
    close: () => queue.close(),
  };
}
export type SignalQueue = ReturnType<typeof createSignalQueue>;
