import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { INSTANCE_SIZES } from './instance-sizes.ts';
import { readConfig } from '../config.ts';
import type { StackContract } from '../contract.ts';
import { SandboxService } from './service-provider.ts';

/** CloudWatch namespace the fleet simulator publishes the sandbox services' metrics under. */
export const SANDBOX_NAMESPACE = 'Homeostat/Sandbox';

export const SandboxConfigShape = {
  serviceName: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
  capacity: z.number().int().min(0),
  minCapacity: z.number().int().min(0).default(1),
  maxCapacity: z.number().int().min(1).default(16),
  instanceSize: z.enum(INSTANCE_SIZES),
  version: z.string().min(1),
  /** Size of the service's data volume, GiB, and the range a remediation may move it in. */
  volumeGiB: z.number().int().min(1).default(20),
  minVolumeGiB: z.number().int().min(1).default(10),
  maxVolumeGiB: z.number().int().min(1).default(200),
  /** Largest factor by which one change may grow or shrink capacity. */
  maxStepRatio: z.number().positive().default(2),
  /** Period of the health signals, seconds: 60, or 1, 5, 10, 30 for high-resolution metrics (the sandbox's fast clock). */
  metricPeriodSeconds: z.union([z.literal(1), z.literal(5), z.literal(10), z.literal(30), z.literal(60)]).default(60),
};

/** The sandbox service: one fleet service, sized by `sandbox:*` config. */
export function sandboxProgram(tags: Record<string, string>): Record<string, pulumi.Input<unknown>> {
  const cfg = readConfig('sandbox', SandboxConfigShape);
  if (cfg.minCapacity > cfg.maxCapacity) {
    throw new Error(`invalid stack config: sandbox:minCapacity (${cfg.minCapacity}) exceeds sandbox:maxCapacity (${cfg.maxCapacity})`);
  }
  if (cfg.minVolumeGiB > cfg.maxVolumeGiB) {
    throw new Error(`invalid stack config: sandbox:minVolumeGiB (${cfg.minVolumeGiB}) exceeds sandbox:maxVolumeGiB (${cfg.maxVolumeGiB})`);
  }
  const service = new SandboxService(cfg.serviceName, {
    name: cfg.serviceName,
    capacity: cfg.capacity,
    instanceSize: cfg.instanceSize,
    version: cfg.version,
    volumeGiB: cfg.volumeGiB,
    tags,
  });

  const dims = { ServiceName: cfg.serviceName };
  const dataVolume = `${cfg.serviceName}-data`;
  const signal = (id: string, metricName: string, stat: string, role: StackContract['healthSignals'][number]['role'], limit?: number, resource = cfg.serviceName) => ({
    id,
    namespace: SANDBOX_NAMESPACE,
    metricName,
    dimensions: dims,
    stat,
    period: cfg.metricPeriodSeconds,
    role,
    higherIsWorse: role !== 'demand',
    ...(limit === undefined ? {} : { limit }),
    resource,
  });
  const contract: StackContract = {
    kind: 'sandbox',
    healthSignals: [
      signal('cpu', 'CPUUtilization', 'Average', 'utilisation', 100),
      signal('latency', 'LatencyP95', 'Average', 'latency'),
      signal('errors', 'ErrorRate', 'Average', 'errors', 100),
      signal('requests', 'RequestCount', 'Sum', 'demand'),
      // Percent of the data volume in use: full at 100.
      signal('disk', 'DiskUsedPercent', 'Average', 'utilisation', 100, dataVolume),
    ],
    alarms: [`${cfg.serviceName}-high-cpu`, `${cfg.serviceName}-high-errors`, `${cfg.serviceName}-disk-full`],
    // The service's own log (written by the fleet simulator to CloudWatch Logs; sandbox/log-lines.ts names it the same way).
    logGroups: [{ id: 'app', name: `/homeostat/sandbox/${cfg.serviceName}`, resource: cfg.serviceName }],
    remediable: [
      {
        key: 'sandbox:capacity',
        purpose: 'capacity',
        resource: cfg.serviceName,
        type: 'integer',
        min: cfg.minCapacity,
        max: cfg.maxCapacity,
        current: cfg.capacity,
        maxStepRatio: cfg.maxStepRatio,
      },
      { key: 'sandbox:instanceSize', purpose: 'size', type: 'enum', values: [...INSTANCE_SIZES], current: cfg.instanceSize },
      { key: 'sandbox:version', purpose: 'version', type: 'string', current: cfg.version },
      {
        key: 'sandbox:volumeGiB',
        purpose: 'storage',
        resource: dataVolume,
        type: 'integer',
        min: cfg.minVolumeGiB,
        max: cfg.maxVolumeGiB,
        current: cfg.volumeGiB,
        maxStepRatio: cfg.maxStepRatio,
      },
    ],
  };
  return {
    serviceId: service.id,
    capacity: service.capacity,
    instanceSize: service.instanceSize,
    version: service.version,
    volumeGiB: service.volumeGiB,
    generation: service.generation,
    tags: pulumi.output(tags),
    homeostat: contract,
  };
}
