import { z } from 'zod';

/** A CloudWatch alarm's state as last reported for one stack. */
export const AlarmStateSchema = z.object({
  stackKey: z.string().min(1),
  alarmName: z.string().min(1),
  state: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  /** When the alarm entered this state, epoch milliseconds. */
  timestamp: z.number().int().nonnegative(),
});
export type AlarmState = z.infer<typeof AlarmStateSchema>;
