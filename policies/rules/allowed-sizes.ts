import type { ResourceValidationPolicy } from '@pulumi/policy';
import { TYPES } from './resource-kinds.ts';

export interface AllowedSizesConfig {
  /** EC2 instance types a launch template may use. */
  allowedInstanceTypes: string[];
  /** Sandbox fleet sizes a service may use. */
  allowedSandboxSizes: string[];
  /** Fargate task sizes as "cpu/memory" (units and MiB). */
  allowedTaskSizes: string[];
}

export const DEFAULT_INSTANCE_TYPES = ['t3.micro', 't3.small', 't3.medium', 't3.large', 'm6i.large', 'm6i.xlarge', 'c6i.large', 'c6i.xlarge'];
export const DEFAULT_TASK_SIZES = ['256/512', '512/1024', '1024/2048', '2048/4096', '4096/8192'];

export const allowedSizes: ResourceValidationPolicy = {
  name: 'allowed-instance-sizes',
  description: 'Instances and tasks use sizes the platform team has approved (cost and capacity planning).',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      allowedInstanceTypes: { type: 'array', items: { type: 'string' }, default: DEFAULT_INSTANCE_TYPES },
      allowedSandboxSizes: { type: 'array', items: { type: 'string' }, default: ['small', 'medium', 'large'] },
      allowedTaskSizes: { type: 'array', items: { type: 'string' }, default: DEFAULT_TASK_SIZES },
    },
  },
  validateResource: (args, report) => {
    const cfg = args.getConfig<AllowedSizesConfig>();
    const check = (value: unknown, allowed: string[], what: string) => {
      if (typeof value === 'string' && !allowed.includes(value)) {
        report(`${args.name}: ${what} ${value} is not allowed (allowed: ${allowed.join(', ')})`);
      }
    };
    if (args.type === TYPES.launchTemplate) check(args.props.instanceType, cfg.allowedInstanceTypes, 'instance type');
    if (args.type === TYPES.sandboxService) check(args.props.instanceSize, cfg.allowedSandboxSizes, 'instance size');
    if (args.type === TYPES.ecsTaskDefinition && args.props.cpu !== undefined) {
      check(`${String(args.props.cpu)}/${String(args.props.memory)}`, cfg.allowedTaskSizes, 'task size');
    }
  },
};
