import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { readConfig } from '../config.ts';
import type { HealthSignal, StackContract } from '../contract.ts';

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi)?$/, 'a Kubernetes quantity such as 250m or 512Mi');

export const K8sAppConfigShape = {
  name: z.string().regex(/^[a-z][a-z0-9-]{0,52}$/),
  namespace: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).default('default'),
  /** EKS cluster name, for the Container Insights metrics. */
  clusterName: z.string().min(1),
  image: z.string().min(1),
  replicas: z.number().int().min(0),
  minReplicas: z.number().int().min(1),
  maxReplicas: z.number().int().min(1),
  cpuRequest: quantity,
  memoryRequest: quantity,
  cpuLimit: quantity,
  memoryLimit: quantity,
  containerPort: z.number().int().min(1).max(65535).default(8080),
  /** Average CPU % (of requests) the autoscaler aims for. */
  targetCpu: z.number().int().min(10).max(90).default(70),
  /** Changing this restarts the rollout (the pod template's annotation changes). */
  restartedAt: z.string().default(''),
  maxStepRatio: z.number().positive().default(2),
};
export type K8sAppConfig = z.infer<z.ZodObject<typeof K8sAppConfigShape>>;

/** A Kubernetes app: Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget. */
export function k8sAppProgram(tags: Record<string, string>): Record<string, pulumi.Input<unknown>> {
  return buildK8sApp(readConfig('app', K8sAppConfigShape), tags);
}

/** The resources of {@link k8sAppProgram} for an already validated config. */
export function buildK8sApp(cfg: K8sAppConfig, tags: Record<string, string>): Record<string, pulumi.Input<unknown>> {
  if (cfg.minReplicas > cfg.maxReplicas) {
    throw new Error(`invalid stack config: app:minReplicas (${cfg.minReplicas}) exceeds app:maxReplicas (${cfg.maxReplicas})`);
  }
  const selector = { app: cfg.name };
  const labels = { ...tags, ...selector };
  const metadata = { name: cfg.name, namespace: cfg.namespace, labels };

  const deployment = new k8s.apps.v1.Deployment(cfg.name, {
    metadata,
    spec: {
      replicas: cfg.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: {
          labels,
          annotations: cfg.restartedAt ? { 'homeostat.dev/restartedAt': cfg.restartedAt } : {},
        },
        spec: {
          containers: [
            {
              name: cfg.name,
              image: cfg.image,
              ports: [{ name: 'http', containerPort: cfg.containerPort }],
              resources: {
                requests: { cpu: cfg.cpuRequest, memory: cfg.memoryRequest },
                limits: { cpu: cfg.cpuLimit, memory: cfg.memoryLimit },
              },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
              securityContext: { privileged: false, allowPrivilegeEscalation: false, runAsNonRoot: true, readOnlyRootFilesystem: true },
            },
          ],
        },
      },
    },
  });

  const service = new k8s.core.v1.Service(cfg.name, {
    metadata,
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });

  new k8s.autoscaling.v2.HorizontalPodAutoscaler(cfg.name, {
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: cfg.name },
      minReplicas: cfg.minReplicas,
      maxReplicas: cfg.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cfg.targetCpu } } }],
    },
  });

  // Voluntary disruptions (node drains) keep at least one pod, or most of them once there are several.
  new k8s.policy.v1.PodDisruptionBudget(cfg.name, {
    metadata,
    spec: { selector: { matchLabels: selector }, minAvailable: cfg.minReplicas > 1 ? '50%' : 1 },
  });

  const dims = { ClusterName: cfg.clusterName, Namespace: cfg.namespace, Service: cfg.name };
  const signal = (s: Omit<HealthSignal, 'namespace' | 'dimensions' | 'period' | 'resource'>): HealthSignal => ({
    namespace: 'ContainerInsights',
    dimensions: dims,
    period: 60,
    resource: cfg.name,
    ...s,
  });
  const contract: StackContract = {
    kind: 'k8s-app',
    healthSignals: [
      signal({ id: 'cpu', metricName: 'pod_cpu_utilization_over_pod_limit', stat: 'Average', role: 'utilisation', higherIsWorse: true, limit: 100 }),
      signal({ id: 'memory', metricName: 'pod_memory_utilization_over_pod_limit', stat: 'Average', role: 'saturation', higherIsWorse: true, limit: 100 }),
      signal({ id: 'restarts', metricName: 'pod_number_of_container_restarts', stat: 'Sum', role: 'errors', higherIsWorse: true }),
      signal({ id: 'requests', metricName: 'service_number_of_running_pods', stat: 'Average', role: 'demand', higherIsWorse: false }),
    ],
    alarms: [],
    remediable: [
      { key: 'app:replicas', purpose: 'capacity', resource: cfg.name, type: 'integer', min: cfg.minReplicas, max: cfg.maxReplicas, current: cfg.replicas, maxStepRatio: cfg.maxStepRatio },
      { key: 'app:cpuLimit', purpose: 'size', type: 'string', current: cfg.cpuLimit },
      { key: 'app:memoryLimit', purpose: 'size', type: 'string', current: cfg.memoryLimit },
      { key: 'app:image', purpose: 'version', type: 'string', current: cfg.image },
      { key: 'app:restartedAt', purpose: 'restart', type: 'string', current: cfg.restartedAt },
    ],
  };

  return {
    deployment: deployment.metadata.name,
    service: service.metadata.name,
    homeostat: contract,
  };
}
