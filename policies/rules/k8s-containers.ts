import type { ResourceValidationPolicy } from '@pulumi/policy';
import { K8S_WORKLOADS, asRecord, k8sContainers } from './resource-kinds.ts';

/** Containers must say what they need and what they may use, so the scheduler and the autoscaler can work. */
export const k8sResources: ResourceValidationPolicy = {
  name: 'k8s-requests-and-limits',
  description: 'Every Kubernetes container sets CPU and memory requests and limits.',
  enforcementLevel: 'mandatory',
  validateResource: (args, report) => {
    if (!K8S_WORKLOADS.includes(args.type)) return;
    for (const c of k8sContainers(args.type, args.props)) {
      const res = asRecord(c.resources);
      const missing = (['requests', 'limits'] as const).flatMap((kind) =>
        ['cpu', 'memory'].filter((r) => asRecord(res?.[kind])?.[r] === undefined).map((r) => `${kind}.${r}`),
      );
      if (missing.length > 0) report(`${args.name}: container ${String(c.name)} does not set ${missing.join(', ')}`);
    }
  },
};

export const k8sPrivileged: ResourceValidationPolicy = {
  name: 'k8s-no-privileged',
  description: 'No Kubernetes container runs privileged or may escalate its privileges.',
  enforcementLevel: 'mandatory',
  validateResource: (args, report) => {
    if (!K8S_WORKLOADS.includes(args.type)) return;
    for (const c of k8sContainers(args.type, args.props)) {
      const sc = asRecord(c.securityContext);
      if (sc?.privileged === true) report(`${args.name}: container ${String(c.name)} runs privileged`);
      if (sc?.allowPrivilegeEscalation === true) {
        report(`${args.name}: container ${String(c.name)} allows privilege escalation`);
      }
    }
  },
};
