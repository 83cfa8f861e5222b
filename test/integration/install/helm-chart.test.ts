import { strict as assert } from 'node:assert';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadServiceConfig } from '../../../orchestrator/config/service-config.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { deployTools, missingTool } from '../../support/deploy-tools.ts';
import { helmLint, helmTemplate, helmTemplateRaw, only, type Manifest } from '../../support/helm-chart.ts';
import { crdValidator, kubernetesValidator, type ManifestValidator } from '../../support/kube-schema.ts';

const CHART = join(PROJECT_ROOT, 'deploy', 'helm', 'homeostat');

// The parts of a Deployment these tests read, after the schema has accepted it.
const EnvVarSchema = z.object({ name: z.string(), value: z.string().optional(), valueFrom: z.object({ secretKeyRef: z.object({ name: z.string(), key: z.string() }).optional() }).optional() });
const ProbeSchema = z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) });
const ContainerSchema = z.object({
  name: z.string(),
  image: z.string(),
  args: z.array(z.string()),
  env: z.array(EnvVarSchema),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number() })).optional(),
  startupProbe: ProbeSchema.optional(),
  livenessProbe: ProbeSchema.optional(),
  readinessProbe: ProbeSchema.optional(),
  resources: z.object({ requests: z.record(z.string(), z.union([z.string(), z.number()])) }),
  securityContext: z.object({ readOnlyRootFilesystem: z.literal(true), allowPrivilegeEscalation: z.literal(false), runAsNonRoot: z.literal(true), capabilities: z.object({ drop: z.array(z.string()) }) }),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })),
});
const DeploymentSchema = z.object({
  spec: z.object({
    replicas: z.number(),
    template: z.object({
      metadata: z.object({ labels: z.record(z.string(), z.string()) }),
      spec: z.object({
        automountServiceAccountToken: z.literal(false),
        securityContext: z.object({ runAsNonRoot: z.literal(true), runAsUser: z.number().min(1) }),
        containers: z.array(ContainerSchema).length(1),
        volumes: z.array(z.object({ name: z.string(), secret: z.object({ secretName: z.string() }).optional() }).passthrough()),
      }),
    }),
  }),
});
type Deployment = z.infer<typeof DeploymentSchema>;

/** A values matrix: each case is an install a platform team would make. */
const SECRET_FILE = '/etc/homeostat/secrets/forge/token';
const CASES: { name: string; values: object; check?: (docs: Manifest[]) => void }[] = [
  { name: 'the defaults', values: {} },
  {
    name: 'workers scaled out, three API pods',
    values: { api: { replicas: 3 }, worker: { replicas: 5 } },
    check: (docs) => {
      assert.equal(deployment(docs, '-api').spec.replicas, 3);
      assert.equal(deployment(docs, '-worker').spec.replicas, 5);
    },
  },
  {
    name: 'everything in the API pod (no worker Deployment)',
    values: { api: { runWorkers: true }, worker: { replicas: 0 } },
    check: (docs) => {
      assert.equal(docs.filter((d) => d.kind === 'Deployment').length, 1);
      assert.ok(!container(deployment(docs, '-api')).args.includes('--no-workers'));
    },
  },
  {
    name: 'a ServiceMonitor, with /metrics behind a token from an existing Secret',
    values: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' }, bearerTokenSecret: { name: 'homeostat-metrics', key: 'token' } }, config: { auth: { metrics: 'token' } } },
    check: (docs) => {
      const sm = only(docs, 'ServiceMonitor') as Manifest & { spec: { endpoints: { port: string; path: string; authorization?: { credentials: { name: string } } }[] } };
      assert.equal(sm.metadata.labels?.release, 'prometheus');
      assert.deepEqual([sm.spec.endpoints[0]!.port, sm.spec.endpoints[0]!.path, sm.spec.endpoints[0]!.authorization?.credentials.name], ['http', '/metrics', 'homeostat-metrics']);
    },
  },
  {
    name: 'existing Secrets for Redis and a forge token file, a private registry, workload identity',
    values: {
      redis: { urlSecret: { name: 'redis-auth', key: 'url' } },
      secretVolumes: [{ name: 'forge', secretName: 'homeostat-forge' }],
      config: { forge: { github: { token: { file: SECRET_FILE } } } },
      imagePullSecrets: ['regcred'],
      image: { digest: `sha256:${'ab'.repeat(32)}` },
      serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/homeostat' } },
    },
    check: (docs) => {
      const api = container(deployment(docs, '-api'));
      assert.deepEqual(api.env.find((e) => e.name === 'HOMEOSTAT_REDIS_URL')?.valueFrom?.secretKeyRef, { name: 'redis-auth', key: 'url' });
      assert.ok(api.volumeMounts.some((m) => m.mountPath === '/etc/homeostat/secrets/forge'));
      assert.match(api.image, /@sha256:(ab){32}$/);
    },
  },
  {
    name: 'an Ingress with TLS for the webhooks',
    values: { ingress: { enabled: true, className: 'nginx', tls: [{ secretName: 'homeostat-tls', hosts: ['homeostat.example.com'] }] } },
    check: (docs) => assert.equal(only(docs, 'Ingress').kind, 'Ingress'),
  },
  {
    name: 'a file:// backend on a PersistentVolumeClaim',
    values: { persistence: { enabled: true, accessModes: ['ReadWriteMany'] }, config: { pulumi: { backendUrl: 'file:///var/lib/homeostat/state' } } },
    check: (docs) => {
      only(docs, 'PersistentVolumeClaim');
      assert.ok(container(deployment(docs, '-worker')).volumeMounts.some((m) => m.mountPath === '/var/lib/homeostat/state'));
    },
  },
];

function deployment(docs: Manifest[], suffix: string): Deployment {
  return DeploymentSchema.parse(only(docs, 'Deployment', suffix));
}
const container = (d: Deployment) => d.spec.template.spec.containers[0]!;

/** Every `{env: NAME}` / `{file: path}` secret reference in a config document. */
function secretRefs(node: unknown, out: { env?: string; file?: string }[] = []): { env?: string; file?: string }[] {
  if (Array.isArray(node)) node.forEach((n) => secretRefs(n, out));
  else if (node && typeof node === 'object') {
    const keys = Object.keys(node);
    if (keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof Object.values(node)[0] === 'string') out.push(node as { env?: string; file?: string });
    else Object.values(node).forEach((n) => secretRefs(n, out));
  }
  return out;
}

/**
 * The rendered config as `homeostat serve` reads it in the pod: its secret
 * references must point at what the pod has (an env var from a Secret, a file
 * under a mounted Secret), and with stand-ins for those the service's own
 * loader must accept it.
 */
async function checkConfig(docs: Manifest[]): Promise<void> {
  const text = (only(docs, 'ConfigMap') as Manifest & { data: Record<string, string> }).data['config.yaml']!;
  const doc: unknown = parse(text);
  for (const suffix of ['-api', '-worker']) {
    if (!docs.some((d) => d.kind === 'Deployment' && d.metadata.name.endsWith(suffix))) continue;
    const c = container(deployment(docs, suffix));
    const env: Record<string, string> = {};
    // Stand-ins for what Secrets hold, shaped like the real thing (a Redis URL is checked as one).
    c.env.forEach((e, i) => (env[e.name] = e.value ?? (e.name === 'HOMEOSTAT_REDIS_URL' ? 'redis://:stand-in@redis:6379' : `stand-in-secret-value-${i}-0123456789abcdef`)));
    const dir = await mkdtemp(join(tmpdir(), 'homeostat-chart-config-'));
    try {
      let json = JSON.stringify(doc);
      for (const ref of secretRefs(doc)) {
        if (ref.env) assert.ok(c.env.some((e) => e.name === ref.env && e.valueFrom?.secretKeyRef), `config refers to $${ref.env}, which no Secret sets`);
        if (ref.file) {
          assert.ok(c.volumeMounts.some((m) => m.name.startsWith('secret-') && ref.file!.startsWith(`${m.mountPath}/`)), `config refers to ${ref.file}, which no mounted Secret holds`);
          const local = join(dir, ref.file.replaceAll('/', '_'));
          await writeFile(local, 'stand-in-secret-file-value-0123456789');
          json = json.replaceAll(JSON.stringify(ref.file), JSON.stringify(local));
        }
      }
      const config = loadServiceConfig(JSON.parse(json), env, dir);
      assert.equal(config.listen.host, '0.0.0.0');
      assert.equal(config.dataDir, '/var/lib/homeostat/data');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** What every install must hold, whatever the values. */
function checkInvariants(docs: Manifest[]): void {
  assert.ok(!docs.some((d) => d.kind === 'Secret'), 'the chart renders no Secret: secrets are referenced, never carried');
  const service = only(docs, 'Service') as Manifest & { spec: { selector: Record<string, string> } };
  for (const d of docs.filter((x) => x.kind === 'Deployment')) {
    const dep = DeploymentSchema.parse(d);
    const c = container(dep);
    assert.ok(c.securityContext.capabilities.drop.includes('ALL'));
    const volumes = new Set(dep.spec.template.spec.volumes.map((v) => v.name));
    for (const m of c.volumeMounts) assert.ok(volumes.has(m.name), `${d.metadata.name}: mount ${m.name} has no volume`);
    const selected = Object.entries(service.spec.selector).every(([k, v]) => dep.spec.template.metadata.labels[k] === v);
    assert.equal(selected, d.metadata.name.endsWith('-api'), `${d.metadata.name}: the Service ${selected ? 'selects' : 'misses'} it`);
  }
  const api = container(deployment(docs, '-api'));
  assert.ok(api.ports?.some((p) => p.name === 'http'));
  assert.deepEqual([api.startupProbe?.httpGet.path, api.livenessProbe?.httpGet.path, api.readinessProbe?.httpGet.path], ['/healthz', '/healthz', '/readyz']);
  assert.ok([api.startupProbe, api.livenessProbe, api.readinessProbe].every((p) => p?.httpGet.port === 'http'));
  if (docs.some((d) => d.metadata.name.endsWith('-worker'))) assert.ok(container(deployment(docs, '-worker')).args.includes('--no-http'));
}

describe('the Helm chart (deploy/helm/homeostat)', function () {
  this.timeout(120_000);
  let kube: ManifestValidator;
  let serviceMonitor: ManifestValidator;
  const validate = (doc: Manifest) => (doc.kind === 'ServiceMonitor' ? serviceMonitor : kube).validate(doc);

  before(function () {
    const tools = deployTools();
    const missing = missingTool([tools.helm, tools.kubernetesSchema, tools.serviceMonitorCrd]);
    if (missing) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    kube = kubernetesValidator(tools.kubernetesSchema);
    // A CRD is not in the API's own schema: the ServiceMonitor is checked against prometheus-operator's.
    serviceMonitor = crdValidator(tools.serviceMonitorCrd);
  });

  for (const c of CASES) {
    it(`${c.name}: passes helm lint --strict, and every object it renders is valid for Kubernetes ${deployTools().kubernetesVersion}`, async () => {
      const lint = await helmLint(CHART, c.values);
      assert.equal(lint.code, 0, lint.stdout + lint.stderr);
      assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      const docs = await helmTemplate(CHART, c.values);
      for (const doc of docs) assert.deepEqual(validate(doc), [], `${doc.kind}/${doc.metadata.name}`);
      checkInvariants(docs);
      await checkConfig(docs);
      c.check?.(docs);
    });
  }

  it('refuses values that would install nothing that works, naming the value', async () => {
    const noWorkers = await helmTemplateRaw(CHART, { worker: { replicas: 0 } });
    assert.match(noWorkers.stderr, /nothing would run the workers: set worker.replicas >= 1 or api.runWorkers: true/);
    const listen = await helmTemplateRaw(CHART, { config: { listen: { host: '127.0.0.1', port: 9000 } } });
    assert.match(listen.stderr, /config.listen is set by the chart/);
  });

  it('catches a manifest field Kubernetes does not know, and a wrong type, in the validator itself', async () => {
    const docs = await helmTemplate(CHART, {});
    const api = structuredClone(only(docs, 'Deployment', '-api')) as Manifest & { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, Record<string, unknown>>[] } } } };
    api.spec.template.spec.containers[0]!.livenessProbe!.httpGet = { paht: '/healthz', port: 'http' };
    api.spec.replicas = 'two';
    delete api.spec.template.spec.containers[0]!.name;
    const problems = kube.validate(api);
    assert.ok(problems.some((p) => p.includes('livenessProbe/httpGet') && p.includes('(paht)')), problems.join('\n'));
    assert.ok(problems.some((p) => p === '/spec/replicas: must be integer'), problems.join('\n'));
    assert.ok(problems.some((p) => p === "/spec/template/spec/containers/0: must have required property 'name'"), problems.join('\n'));
  });

  it('catches a misspelt field in a template, end to end, and one in a ServiceMonitor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeostat-chart-'));
    try {
      await cp(CHART, join(dir, 'homeostat'), { recursive: true });
      const file = join(dir, 'homeostat', 'templates', 'deployment-api.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('readinessProbe:', 'readynessProbe:'));
      const docs = await helmTemplate(join(dir, 'homeostat'), {});
      const problems = kube.validate(only(docs, 'Deployment', '-api'));
      assert.ok(problems.some((p) => p.includes('(readynessProbe)')), problems.join('\n'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const sm = structuredClone(only(await helmTemplate(CHART, { serviceMonitor: { enabled: true } }), 'ServiceMonitor')) as Manifest & { spec: { endpoints: Record<string, unknown>[] } };
    sm.spec.endpoints[0]!.intervall = '30s';
    assert.ok(serviceMonitor.validate(sm).some((p) => p.includes('(intervall)')));
  });
});
