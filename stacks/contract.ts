import { z } from 'zod';

/**
 * What every stack tells Homeostat through its outputs: the health signals
 * to watch and the config keys a remediation may change, with their bounds.
 * The stacks produce it; the orchestrator parses it back with the same schema,
 * so the two cannot drift apart silently.
 */

/** What a signal measures; diagnosis reasons differently about each. */
export const SignalRoleSchema = z.enum(['utilisation', 'latency', 'errors', 'demand', 'saturation']);
export type SignalRole = z.infer<typeof SignalRoleSchema>;

export const HealthSignalSchema = z.object({
  /** Stable id within the stack, for example `cpu`. */
  id: z.string().regex(/^[a-z][a-zA-Z0-9_-]*$/),
  namespace: z.string().min(1),
  metricName: z.string().min(1),
  dimensions: z.record(z.string(), z.string()),
  stat: z.string().min(1),
  /** Metric period in seconds. */
  period: z.number().int().positive(),
  role: SignalRoleSchema,
  /** Whether a higher value is worse (true for CPU, latency, errors). */
  higherIsWorse: z.boolean(),
  /** The value at which the signal means "full" (for example 100 for CPU %), when there is one. */
  limit: z.number().optional(),
  /** Logical name of the resource the signal belongs to. */
  resource: z.string().min(1),
});
export type HealthSignal = z.infer<typeof HealthSignalSchema>;

const RemediableBase = z.object({
  /** Full config key, for example `sandbox:capacity`. */
  key: z.string().regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/),
  /** What changing the key does, in the words of a playbook. */
  purpose: z.enum(['capacity', 'size', 'version', 'storage', 'restart']),
  /** Logical name of the resource the key sizes; the step-change policy looks it up by this name. */
  resource: z.string().optional(),
});

export const RemediableKeySchema = z.discriminatedUnion('type', [
  RemediableBase.extend({
    type: z.literal('integer'),
    min: z.number().int(),
    max: z.number().int(),
    current: z.number().int(),
    /** Largest factor by which one change may grow or shrink the value. */
    maxStepRatio: z.number().positive(),
  }),
  RemediableBase.extend({
    type: z.literal('enum'),
    /** Allowed values, smallest first when the order means size. */
    values: z.array(z.string()).min(1),
    current: z.string(),
  }),
  RemediableBase.extend({
    type: z.literal('string'),
    current: z.string(),
  }),
]);
export type RemediableKey = z.infer<typeof RemediableKeySchema>;

/** A CloudWatch Logs group whose events Homeostat reads and mines for templates. */
export const LogGroupSchema = z.object({
  /** Stable id within the stack, for example `app`. */
  id: z.string().regex(/^[a-z][a-zA-Z0-9_-]*$/, 'an id starts with a lower-case letter, then letters, digits, _ or -'),
  /** The group's name in CloudWatch Logs: 1 to 512 of `A-Za-z0-9 _ - / . #`, as the API allows. */
  name: z.string().regex(/^[A-Za-z0-9_\-/.#]{1,512}$/, 'a CloudWatch Logs group name is 1 to 512 of A-Z a-z 0-9 _ - / . #'),
  /** A CloudWatch Logs filter pattern, to read only matching events. Default: every event. */
  filterPattern: z.string().max(1024).optional(),
  /** Logical name of the resource whose logs these are. */
  resource: z.string().min(1),
});
export type LogGroup = z.infer<typeof LogGroupSchema>;

export const StackContractSchema = z.object({
  kind: z.enum(['sandbox', 'aws-web', 'k8s-app']),
  healthSignals: z.array(HealthSignalSchema),
  alarms: z.array(z.string()),
  remediable: z.array(RemediableKeySchema),
  /** Log groups to read; optional, so contracts written before logs were read still parse. */
  logGroups: z.array(LogGroupSchema).optional(),
});
export type StackContract = z.infer<typeof StackContractSchema>;
