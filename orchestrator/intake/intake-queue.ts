import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueue } from '../queue/open-queue.ts';
import { GitEventSchema, type GitEvent } from '../source/git-event.ts';

/** Name of the queue of Git events (webhook deliveries, polls) waiting to be planned. */
export const INTAKE_QUEUE = 'events';

export interface IntakeQueue {
  readonly queue: Queue<GitEvent>;
  /** Adds an event; false when the same delivery was seen before (nothing added). */
  add(event: GitEvent): Promise<boolean>;
  close(): Promise<void>;
}

/** BullMQ job ids may not contain ':'; the delivery id names the job, so a redelivery adds nothing. */
export function intakeJobId(event: GitEvent): string {
  return `${event.forge}-${event.deliveryId}`.replace(/:/g, '_');
}

export function createIntakeQueue(connection: Redis, prefix = 'homeostat'): IntakeQueue {
  const queue = openQueue<GitEvent>(INTAKE_QUEUE, connection, prefix);
  return {
    queue,
    async add(event) {
      const parsed = GitEventSchema.parse(event);
      const jobId = intakeJobId(parsed);
      if (await queue.getJob(jobId)) return false;
      await queue.add(parsed.kind, parsed, {
        jobId,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      });
      return true;
    },
    close: () => queue.close(),
  };
}
