import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { READY_TIMEOUT_MS } from '../../../orchestrator/http/http-server.ts';
import { freePort, startRedis, type LocalService } from '../../../orchestrator/runtime/local-services.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { deployTools, missingTool } from '../../support/deploy-tools.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { helmTemplate, only } from '../../support/helm-chart.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/worker-process.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);
const CHART = join(PROJECT_ROOT, 'deploy', 'helm', 'homeostat');
const ApiContainerSchema = z.object({
  args: z.array(z.string()),
  startupProbe: z.object({ httpGet: z.object({ path: z.string() }) }),
  livenessProbe: z.object({ httpGet: z.object({ path: z.string() }) }),
  readinessProbe: z.object({ httpGet: z.object({ path: z.string() }) }),
});

/**
 * What the chart's probes and the image's HEALTHCHECK rely on, against a real
 * `homeostat serve` started with the API container's arguments: liveness
 * stays up while Redis is away (a restart would not bring Redis back), and
 * readiness follows Redis.
 */
describe("the chart's probes and the image's health check against a real homeostat serve", function () {
  this.timeout(180_000);
  let redis: LocalService;
  let fx: GitopsFixture;
  let api: ServiceProcess | undefined;
  let port: number;
  let probes: z.infer<typeof ApiContainerSchema>;
  // A probe that gets no answer in time fails; so does this.
  const status = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(READY_TIMEOUT_MS + 2000) })).status;
  const imageHealthcheck = async () =>
    run(process.execPath, [join(PROJECT_ROOT, 'deploy', 'docker', 'healthcheck.mjs')], { env: { PATH: process.env.PATH ?? '', HOMEOSTAT_LISTEN_PORT: String(port) } }).then(
      () => 0,
      (err: { code: number }) => err.code,
    );

  before(async function () {
    const missing = missingTool([deployTools().helm]);
    if (missing) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    const docs = await helmTemplate(CHART, {});
    const deployment = z.object({ spec: z.object({ template: z.object({ spec: z.object({ containers: z.array(ApiContainerSchema).length(1) }) }) }) });
    probes = deployment.parse(only(docs, 'Deployment', '-api')).spec.template.spec.containers[0]!;
    redis = await startRedis();
    fx = await createGitopsFixture({ redisUrl: redis.url, shutdownGraceSeconds: 5 });
    port = await freePort();
  });
  after(async () => {
    await api?.kill('SIGKILL');
    await redis?.stop().catch(() => undefined);
    await fx?.cleanup();
  });

  it('answers the startup, liveness and readiness probes, and the image health check passes', async () => {
    // The chart's arguments after `serve --config <file>` (--no-workers by default).
    const [serve, configFlag, , ...rest] = probes.args;
    assert.deepEqual([serve, configFlag, rest], ['serve', '--config', ['--no-workers']]);
    api = await startServiceProcess(fx.writeConfigFile(), { ...fx.env, HOMEOSTAT_LISTEN_PORT: String(port) }, rest);
    assert.equal(await status(probes.startupProbe.httpGet.path), 200);
    assert.equal(await status(probes.livenessProbe.httpGet.path), 200);
    assert.equal(await status(probes.readinessProbe.httpGet.path), 200);
    assert.equal(await imageHealthcheck(), 0);
  });

  it('with Redis connected but not answering (CLIENT PAUSE), is not ready within the readiness timeout, and alive; ready again after', async () => {
    const admin = new Redis(redis.url, { lazyConnect: true });
    try {
      await admin.connect();
      await admin.call('CLIENT', 'PAUSE', '6000', 'ALL');
      const started = Date.now();
      assert.equal(await status(probes.readinessProbe.httpGet.path), 503);
      assert.ok(Date.now() - started < READY_TIMEOUT_MS + 1000, `answered after ${Date.now() - started} ms`);
      assert.equal(await status(probes.livenessProbe.httpGet.path), 200);
      await waitFor('readiness after the pause', async () => (await status(probes.readinessProbe.httpGet.path)) === 200, 20_000, 500);
    } finally {
      admin.disconnect();
    }
  });

  it('with Redis gone, is not ready (503) but still alive, so Kubernetes stops routing to it without restarting it', async () => {
    await redis.stop();
    await waitFor('readiness to follow Redis', async () => (await status(probes.readinessProbe.httpGet.path)) === 503, 30_000);
    assert.equal(await status(probes.livenessProbe.httpGet.path), 200);
    assert.equal(await imageHealthcheck(), 0);
  });
});
