import assert from 'node:assert/strict';
import { StackContractSchema } from '../../../stacks/contract.ts';
import { installMocks, ofType, runProgram } from '../../support/pulumi-mocks.ts';
import type { K8sAppConfig } from '../../../stacks/k8s-app/index.ts';

const TAGS = { owner: 'payments-team', 'cost-center': 'cc-3100', environment: 'prod', 'managed-by': 'homeostat' };

function config(overrides: Partial<K8sAppConfig> = {}): K8sAppConfig {
  return {
    name: 'payments-api',
    namespace: 'payments',
    clusterName: 'prod-eu-1',
    image: 'registry.example.com/payments-api:1.8.2',
    replicas: 3,
    minReplicas: 2,
    maxReplicas: 10,
    cpuRequest: '250m',
    memoryRequest: '256Mi',
    cpuLimit: '1',
    memoryLimit: '512Mi',
    containerPort: 8080,
    targetCpu: 70,
    restartedAt: '',
    maxStepRatio: 2,
    ...overrides,
  };
}

interface Container {
  image: string;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { privileged: boolean };
}

describe('stacks/k8s-app (Pulumi runtime mocks)', function () {
  this.timeout(60_000);
  let buildK8sApp: typeof import('../../../stacks/k8s-app/index.ts').buildK8sApp;

  before(async () => {
    await installMocks('homeostat-infra', 'app-prod');
    ({ buildK8sApp } = await import('../../../stacks/k8s-app/index.ts'));
  });

  function containerOf(spec: unknown): Container {
    return (spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
  }

  it('deploys a Deployment, Service, HPA and PDB sized by config', async () => {
    const { resources } = await runProgram(() => buildK8sApp(config(), TAGS));
    const [deployment] = ofType(resources, 'kubernetes:apps/v1:Deployment');
    const spec = deployment?.inputs.spec as { replicas: number };
    assert.equal(spec.replicas, 3);
    const c = containerOf(spec);
    assert.equal(c.image, 'registry.example.com/payments-api:1.8.2');
    assert.deepEqual(c.resources, { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    assert.equal(c.securityContext.privileged, false);
    assert.equal(ofType(resources, 'kubernetes:core/v1:Service').length, 1);
    const [hpa] = ofType(resources, 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler');
    assert.deepEqual(
      (({ minReplicas, maxReplicas }) => ({ minReplicas, maxReplicas }))(hpa?.inputs.spec as { minReplicas: number; maxReplicas: number }),
      { minReplicas: 2, maxReplicas: 10 },
    );
    const [pdb] = ofType(resources, 'kubernetes:policy/v1:PodDisruptionBudget');
    assert.equal((pdb?.inputs.spec as { minAvailable: unknown }).minAvailable, '50%');
  });

  it('follows another config: one replica keeps one pod through disruptions, a restart annotates the pods', async () => {
    const { resources } = await runProgram(() =>
      buildK8sApp(config({ replicas: 1, minReplicas: 1, cpuLimit: '2', restartedAt: '2026-11-29T00:00:00Z' }), TAGS),
    );
    const [deployment] = ofType(resources, 'kubernetes:apps/v1:Deployment');
    const spec = deployment?.inputs.spec as { replicas: number; template: { metadata: { annotations: Record<string, string> } } };
    assert.equal(spec.replicas, 1);
    assert.equal(containerOf(spec).resources.limits.cpu, '2');
    assert.equal(spec.template.metadata.annotations['homeostat.dev/restartedAt'], '2026-11-29T00:00:00Z');
    const [pdb] = ofType(resources, 'kubernetes:policy/v1:PodDisruptionBudget');
    assert.equal((pdb?.inputs.spec as { minAvailable: unknown }).minAvailable, 1);
  });

  it('labels every object with its owner and cost center', async () => {
    const { resources } = await runProgram(() => buildK8sApp(config(), TAGS));
    for (const r of resources) {
      const labels = (r.inputs.metadata as { labels: Record<string, string> }).labels;
      assert.equal(labels.owner, 'payments-team', r.type);
      assert.equal(labels['cost-center'], 'cc-3100', r.type);
    }
  });

  it('exports its health signals and remediable keys in the Homeostat contract', async () => {
    const { outputs } = await runProgram(() => buildK8sApp(config(), TAGS));
    const contract = StackContractSchema.parse(outputs.homeostat);
    assert.equal(contract.kind, 'k8s-app');
    assert.deepEqual(contract.healthSignals[0]?.dimensions, { ClusterName: 'prod-eu-1', Namespace: 'payments', Service: 'payments-api' });
    assert.deepEqual(contract.remediable.map((k) => k.key), ['app:replicas', 'app:cpuLimit', 'app:memoryLimit', 'app:image', 'app:restartedAt']);
  });

  it('refuses minReplicas above maxReplicas, naming both keys', () => {
    assert.throws(() => buildK8sApp(config({ minReplicas: 5, maxReplicas: 3 }), TAGS), /app:minReplicas \(5\) exceeds app:maxReplicas \(3\)/);
  });
});
