import type { ResourceValidationPolicy } from '@pulumi/policy';
import { TYPES, asRecord } from './resource-kinds.ts';

export interface CapacityBoundsConfig {
  /** Smallest capacity (instances, tasks, replicas) a service may run with; default 1. */
  minCapacity: number;
  /** Largest capacity any service may scale to; default 20. */
  maxCapacity: number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The capacity figures of a resource: what it runs now and the range it may scale in. */
export function capacityOf(type: string, props: Record<string, unknown>): { desired?: number; min?: number; max?: number } | undefined {
  switch (type) {
    case TYPES.sandboxService:
      return { desired: num(props.capacity) };
    case TYPES.asg:
      return { desired: num(props.desiredCapacity), min: num(props.minSize), max: num(props.maxSize) };
    case TYPES.ecsService:
      return { desired: num(props.desiredCount) };
    case TYPES.deployment:
    case TYPES.statefulSet:
      return { desired: num(asRecord(props.spec)?.replicas) };
    case TYPES.hpa: {
      const spec = asRecord(props.spec);
      return { min: num(spec?.minReplicas), max: num(spec?.maxReplicas) };
    }
    default:
      return undefined;
  }
}

export const capacityBounds: ResourceValidationPolicy = {
  name: 'capacity-within-bounds',
  description: 'Capacity stays within the platform limits, and an autoscaler\'s desired size within its own range.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      minCapacity: { type: 'integer', minimum: 0, default: 1 },
      maxCapacity: { type: 'integer', minimum: 1, default: 20 },
    },
  },
  validateResource: (args, report) => {
    const cap = capacityOf(args.type, args.props);
    if (!cap) return;
    const { minCapacity, maxCapacity } = args.getConfig<CapacityBoundsConfig>();
    for (const [label, value] of [['capacity', cap.desired], ['minimum', cap.min], ['maximum', cap.max]] as const) {
      if (value === undefined) continue;
      if (value > maxCapacity) report(`${args.name}: ${label} ${value} is above the platform limit of ${maxCapacity}`);
      if (label !== 'maximum' && value < minCapacity) {
        report(`${args.name}: ${label} ${value} is below the platform floor of ${minCapacity}`);
      }
    }
    if (cap.min !== undefined && cap.max !== undefined && cap.min > cap.max) {
      report(`${args.name}: minimum ${cap.min} is above maximum ${cap.max}`);
    }
    if (cap.desired !== undefined && cap.min !== undefined && cap.desired < cap.min) {
      report(`${args.name}: desired capacity ${cap.desired} is below its minimum ${cap.min}`);
    }
    if (cap.desired !== undefined && cap.max !== undefined && cap.desired > cap.max) {
      report(`${args.name}: desired capacity ${cap.desired} is above its maximum ${cap.max}`);
    }
  },
};
