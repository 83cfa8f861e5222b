import { SANDBOX_SERVICE_TYPE } from '../../stacks/sandbox/instance-sizes.ts';

/**
 * Pulumi type tokens the rules look at. The pack matches on type strings
 * instead of loading @pulumi/aws and @pulumi/kubernetes, which would add
 * seconds to every preview for no gain.
 */
export const TYPES = {
  sandboxService: SANDBOX_SERVICE_TYPE,
  asg: 'aws:autoscaling/group:Group',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  securityGroup: 'aws:ec2/securityGroup:SecurityGroup',
  securityGroupRule: 'aws:ec2/securityGroupRule:SecurityGroupRule',
  ingressRule: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  ecsService: 'aws:ecs/service:Service',
  ecsTaskDefinition: 'aws:ecs/taskDefinition:TaskDefinition',
  deployment: 'kubernetes:apps/v1:Deployment',
  statefulSet: 'kubernetes:apps/v1:StatefulSet',
  daemonSet: 'kubernetes:apps/v1:DaemonSet',
  pod: 'kubernetes:core/v1:Pod',
  hpa: 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler',
} as const;

/** Kubernetes kinds whose pod template holds containers. */
export const K8S_WORKLOADS: readonly string[] = [TYPES.deployment, TYPES.statefulSet, TYPES.daemonSet, TYPES.pod];

export type Props = Record<string, unknown>;

export function asRecord(v: unknown): Props | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Props) : undefined;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The containers (init containers included) of a Kubernetes workload or pod. */
export function k8sContainers(type: string, props: Props): Props[] {
  const podSpec = type === TYPES.pod ? asRecord(props.spec) : asRecord(asRecord(asRecord(props.spec)?.template)?.spec);
  if (!podSpec) return [];
  return [...asArray(podSpec.containers), ...asArray(podSpec.initContainers)].flatMap((c) => {
    const container = asRecord(c);
    return container ? [container] : [];
  });
}

/** A resource's tags (AWS, the sandbox) or labels (Kubernetes); undefined when it carries neither. */
export function tagsOf(type: string, props: Props): Props | undefined {
  if (type.startsWith('kubernetes:')) return asRecord(asRecord(props.metadata)?.labels) ?? {};
  if (!('tags' in props)) return undefined;
  // An Auto Scaling group lists its tags as [{key, value, propagateAtLaunch}].
  if (Array.isArray(props.tags)) {
    const tags: Props = {};
    for (const t of props.tags) {
      const tag = asRecord(t);
      if (typeof tag?.key === 'string') tags[tag.key] = tag.value;
    }
    return tags;
  }
  return asRecord(props.tags) ?? {};
}
