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

export const StackContractSchema = z.object({
  kind: z.enum(['sandbox', 'aws-web', 'k8s-app']),
  healthSignals: z.array(HealthSignalSchema),
  alarms: z.array(z.string()),
  remediable: z.array(RemediableKeySchema),
});
export type StackContract = z.infer<typeof StackContractSchema>;
