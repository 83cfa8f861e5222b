import type { Redis } from 'ioredis';
import { openQueue } from '../queue/open-queue.ts';
import { z } from 'zod';
import { RemediationIdSchema } from './remediation-record.ts';

/** Queue of remediations to start or continue. */
export const REMEDIATION_QUEUE = 'remediation';

export const RemediationJobSchema = z.object({
  remediationId: RemediationIdSchema,
  incidentId: z.string().min(1),
  stackKey: z.string().min(1),
  /** What asked for it: an incident event, or a person's approval. */
  cause: z.enum(['incident', 'approved']),
});
export type RemediationJob = z.infer<typeof RemediationJobSchema>;

export function createRemediationQueue(connection: Redis, prefix = 'homeostat') {
  const queue = openQueue<RemediationJob>(REMEDIATION_QUEUE, connection, prefix);
  return {
    queue,
    /**
     * Adds a job unless one with the same id exists: the id comes from the
     * incident's content (its id and the time it last changed), so a
     * redelivered incident event adds nothing.
     */
    async add(job: RemediationJob, contentId: string): Promise<boolean> {
      const data = RemediationJobSchema.parse(job);
      const jobId = `${data.remediationId}.${contentId}`.replace(/:/g, '_');
      if (await queue.getJob(jobId)) return false;
      await queue.add(data.cause, data, {
        jobId,
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      });
      return true;
    },
    close: () => queue.close(),
  };
}
export type RemediationQueue = ReturnType<typeof createRemediationQueue>;
