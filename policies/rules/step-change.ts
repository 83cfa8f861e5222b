import type { ResourceValidationPolicy } from '@pulumi/policy';
import { capacityOf } from './capacity-bounds.ts';

export interface StepChangeConfig {
  /** Largest factor by which one update may grow or shrink a capacity; default 2 (at most double or halve). */
  maxStepRatio: number;
  /**
   * Capacity each resource runs with now, by resource name. A policy only sees
   * the new state of a resource, so whoever runs the preview supplies the
   * current one: Homeostat fills it from the stack's last applied state.
   */
  baselines: Record<string, number>;
}

/** Why a step from `from` to `to` is too large, or undefined when it is within `ratio`. */
export function stepViolation(from: number, to: number, ratio: number): string | undefined {
  if (from === to) return undefined;
  if (from <= 0) return to > ratio ? `grows from ${from} to ${to}` : undefined;
  if (to > from * ratio) return `grows from ${from} to ${to}, more than ${ratio}x in one update`;
  if (to * ratio < from) return `shrinks from ${from} to ${to}, more than ${ratio}x in one update`;
  return undefined;
}

export const stepChange: ResourceValidationPolicy = {
  name: 'max-capacity-step',
  description: 'One update may change a capacity by at most a configured factor (default: double or halve).',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      maxStepRatio: { type: 'number', exclusiveMinimum: 1, default: 2 },
      baselines: { type: 'object', additionalProperties: { type: 'number' }, default: {} },
    },
  },
  validateResource: (args, report) => {
    const desired = capacityOf(args.type, args.props)?.desired;
    if (desired === undefined) return;
    const { maxStepRatio, baselines } = args.getConfig<StepChangeConfig>();
    const from = baselines[args.name];
    if (from === undefined) return;
    const why = stepViolation(from, desired, maxStepRatio);
    if (why) report(`${args.name}: capacity ${why}`);
  },
};
