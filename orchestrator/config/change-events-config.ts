import { z } from 'zod';

/**
 * Reading change events (changes made outside Git: CloudTrail API calls and
 * Auto Scaling activities) from the SQS queue an EventBridge rule fills; see
 * `orchestrator/changes/`. Off unless a queue is named. Drift records link
 * them; with telemetry on, the diagnosis reads them too.
 */
export const ChangeEventsConfigSchema = z
  .object({
    /** The queue's URL, for example `https://sqs.eu-west-1.amazonaws.com/123456789012/homeostat-changes`. Absent: no change events are read. */
    queueUrl: z.string().url('a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)').optional(),
    /** SQS endpoint override (a local endpoint such as moto); default the SDK's. */
    endpoint: z.string().url().optional(),
    /** Default: the SDK's chain (AWS_REGION). */
    region: z.string().optional(),
    /** Long-poll wait, seconds, 0 to 20; default 20. */
    waitSeconds: z.number().int().min(0).max(20, 'SQS waits at most 20 seconds').default(20),
    /** How long recorded changes are kept, in hours; default 24. */
    retainHours: z.number().gt(0).max(24 * 30).default(24),
  })
  .strict()
  .prefault({});
export type ChangeEventsConfig = z.infer<typeof ChangeEventsConfigSchema>;
