/**
 * GitOps benchmark (`npm run --silent bench:gitops [-- --pushes N --rounds R]`).
 *
 * 1. push_to_preview: time from a signed webhook's receipt to the engine being
 *    asked for the preview, over N pull-request pushes (default 100), each
 *    waited for before the next so that no queueing is measured.
 * 2. overhead_vs_cli: the service applying a config change (webhook to
 *    applied) against a plain `pulumi up --yes` of the same stack and change on
 *    a copy with its own backend, alternated R rounds (default 3) in one run.
 *
 * 3. engine_vs_floor: the service's apply of a change previewed on its pull
 *    request and then merged (the apply runs within the saved update plan),
 *    against, in the same rounds, a plain `pulumi up --skip-preview` of a
 *    one-resource JavaScript dynamic-provider program (bench/engine-floor.ts):
 *    the engine's floor here. `engine_vs_floor_direct` is the same for a push
 *    straight to main, which previews and updates in one engine process.
 *    `engine_vs_floor_same_cache` compares the same service rounds with the
 *    floor run with Node's compile cache and its preload, as the service runs its engines.
 *
 * Everything runs on this machine: redis-server, the fleet simulator, local
 * Git remotes, the real engine. Figures are printed; nothing is asserted.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadServiceConfig } from '../orchestrator/config/service-config.ts';
import { createRedis } from '../orchestrator/queue/redis.ts';
import { createRunStore } from '../orchestrator/records/run-store.ts';
import type { RunRecord } from '../orchestrator/records/run-record.ts';
import { startRedis } from '../orchestrator/runtime/local-services.ts';
import { compileCacheEnv, pluginEnvVars } from '../orchestrator/engine/engine-env.ts';
import { PROJECT_ROOT, resolveToolchain } from '../orchestrator/runtime/toolchain.ts';
import { startFleetSimulator } from '../sandbox/fleet-simulator.ts';
import { createLocalRepo } from '../sandbox/local-repo.ts';
import { startService } from '../orchestrator/service/service.ts';
import { git } from '../orchestrator/source/git.ts';
import { pullRequestPayload, pushPayload, sendGithubWebhook, ZERO_SHA } from '../test/support/webhooks.ts';
import { percentile, wholeNumberArg } from './cli-args.ts';
import { createEngineFloor } from './engine-floor.ts';

const run = promisify(execFile);


async function waitForRun(find: () => Promise<RunRecord | undefined>, timeoutMs = 300_000): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await find();
    if (r) return r;
    // Poll gently: this process also hosts the service, and a busy loop here would slow the very runs being measured.
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error('timed out waiting for a run');
}

function setCapacity(dir: string, capacity: number): void {
  const file = join(dir, 'stacks', 'Pulumi.sandbox.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(sandbox:capacity:) .*/, `$1 ${capacity}`));
}

const SECRET = 'bench-webhook-secret';
const pushes = wholeNumberArg('pushes', 100);
const rounds = wholeNumberArg('rounds', 3);
const dir = mkdtempSync(join(tmpdir(), 'homeostat-bench-gitops-'));
const redis = await startRedis();
const fleet = await startFleetSimulator();
const toolchain = resolveToolchain();
const repo = await createLocalRepo(join(dir, 'git'), PROJECT_ROOT);
const prefix = 'bench';
const config = loadServiceConfig(
  {
    redisUrl: redis.url,
    redisPrefix: prefix,
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: join(dir, 'data'),
    pulumi: { backendUrl: `file://${join(dir, 'state')}`, passphrase: { env: 'BENCH_PASSPHRASE' }, plugins: 'off', env: { HOMEOSTAT_FLEET_URL: fleet.url } },
    // The sandbox stack only: the others cannot deploy here (no provider plugins) and would compete for the CPU.
    repositories: [{ id: 'infra', url: repo.remote, forge: 'github', webhookSecret: { env: 'BENCH_SECRET' }, stacks: ['sandbox'] }],
    // Loopback only, and the bench calls no API route.
    auth: 'none',
  },
  { BENCH_PASSPHRASE: 'bench', BENCH_SECRET: SECRET },
);
const service = await startService(config);
const hook = `${service.url}/webhooks/infra`;
const storeRedis = createRedis(redis.url);
const store = createRunStore(storeRedis, prefix);
const runsOf = (commit: string) => store.list({ stackKey: 'infra/./sandbox', limit: 5 }).then((rs) => rs.filter((r) => r.commit === commit));

try {
  // Initial deploy.
  let main = await repo.commitAndPush('initial stacks');
  await sendGithubWebhook(hook, { event: 'push', secret: SECRET, payload: pushPayload(repo.remote, 'refs/heads/main', ZERO_SHA, main) });
  await waitForRun(async () => (await runsOf(main)).find((r) => r.status === 'applied' || r.status === 'failed'));

  // 1. push_to_preview over pull-request pushes.
  const latencies: number[] = [];
  await git(['checkout', '-q', '-b', 'bench/preview'], { cwd: repo.workDir });
  for (let i = 0; i < pushes; i++) {
    // 3, 1, 3, …: never main's 2 (nothing to preview) nor 4, which the pushes to main below set (a plan saved here for that content would spare them their preview).
    setCapacity(repo.workDir, 3 - 2 * (i % 2));
    await git(['commit', '-qam', `preview ${i}`], { cwd: repo.workDir, env: { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' } });
    await git(['push', '-q', 'origin', 'bench/preview'], { cwd: repo.workDir });
    const head = await git(['rev-parse', 'HEAD'], { cwd: repo.workDir });
    const t0 = Date.now();
    await sendGithubWebhook(hook, { event: 'pull_request', secret: SECRET, payload: pullRequestPayload(repo.remote, 1, 'synchronize', { ref: 'bench/preview', sha: head }, { ref: 'main', sha: main }) });
    const done = await waitForRun(async () => (await runsOf(head)).find((r) => r.status !== 'running'));
    if (!done.timings.previewStartedAt) throw new Error(`run ${done.id} never started a preview: ${done.status} ${done.message ?? ''}`);
    latencies.push(Date.parse(done.timings.previewStartedAt) - t0);
  }
  latencies.sort((a, b) => a - b);
  console.log(`push_to_preview_ms p50=${percentile(latencies, 50)} p95=${percentile(latencies, 95)} n=${latencies.length} max=${latencies.at(-1)}`);
  await git(['checkout', '-q', 'main'], { cwd: repo.workDir });

  // 2. overhead_vs_cli: the same change through the service and through a plain `pulumi up`.
  const cliDir = join(dir, 'cli');
  for (const f of ['Pulumi.yaml', 'package.json', 'stacks', 'policies']) cpSync(join(PROJECT_ROOT, f), join(cliDir, f), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(cliDir, 'node_modules'), 'dir');
  mkdirSync(join(dir, 'cli-state'), { recursive: true });
  const cliEnv = {
    ...process.env,
    ...toolchain.engineEnv,
    // As the service's engine runs here (pulumi.plugins off), not as the shell happens to say.
    ...pluginEnvVars({ mode: 'off' }),
    PULUMI_BACKEND_URL: `file://${join(dir, 'cli-state')}`,
    PULUMI_CONFIG_PASSPHRASE: 'bench',
    PULUMI_HOME: join(dir, 'cli-home'),
    HOMEOSTAT_FLEET_URL: fleet.url,
  };
  const pulumi = (args: string[]) => run(join(toolchain.pulumiDir, 'pulumi'), args, { cwd: cliDir, env: cliEnv, maxBuffer: 64 * 1024 * 1024 });
  await pulumi(['stack', 'init', 'sandbox']);
  setCapacity(cliDir, 3);
  await pulumi(['up', '--yes', '--stack', 'sandbox', '--policy-pack', 'policies']);

  const floor = await createEngineFloor(join(dir, 'floor'), { pulumiDir: toolchain.pulumiDir, env: cliEnv });
  // The same floor with Node's compile cache as the service gives its engines (and a plain `pulumi up` does not have): how much of the gap the cache alone closes.
  const cachedFloor = await createEngineFloor(join(dir, 'floor-cached'), { pulumiDir: toolchain.pulumiDir, env: { ...cliEnv, ...compileCacheEnv(join(dir, 'floor-compile-cache')) } });
  const identity = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };

  /** Webhook to applied for a push of `head` to main; the run record and the wall time, with its parts. */
  const applyPush = async (before: string, head: string) => {
    const s0 = Date.now();
    await sendGithubWebhook(hook, { event: 'push', secret: SECRET, payload: pushPayload(repo.remote, 'refs/heads/main', before, head) });
    const applied = await waitForRun(async () => (await runsOf(head)).find((x) => x.apply && x.status !== 'running'));
    if (applied.status !== 'applied') throw new Error(`service run ${applied.id} ended ${applied.status}: ${applied.message ?? ''}`);
    const ms = Date.parse(applied.timings.finishedAt!) - s0;
    const at = (t?: string) => (t ? Date.parse(t) - s0 : NaN);
    const plan = applied.plan?.used ? 'used' : `not-used:${applied.plan?.reason ?? 'none'}`;
    const parts = `queue=${at(applied.timings.startedAt)} source=${at(applied.timings.previewStartedAt) - at(applied.timings.startedAt)} engine=${applied.timings.applyMs} done=${ms} plan=${plan}`;
    return { applied, ms, parts };
  };

  /**
   * The GitOps path: the change is previewed on its pull request (which saves
   * the update plan), then merged as it is; the apply of main runs within that
   * plan and previews nothing again. The preview is not timed.
   */
  const applyViaPullRequest = async (capacity: number, before: string) => {
    setCapacity(repo.workDir, capacity);
    await git(['commit', '-qam', `capacity ${capacity} (reviewed)`], { cwd: repo.workDir, env: identity });
    const head = await git(['rev-parse', 'HEAD'], { cwd: repo.workDir });
    await git(['push', '-qf', 'origin', 'HEAD:refs/heads/bench/reviewed'], { cwd: repo.workDir });
    await sendGithubWebhook(hook, { event: 'pull_request', secret: SECRET, payload: pullRequestPayload(repo.remote, 2, 'opened', { ref: 'bench/reviewed', sha: head }, { ref: 'main', sha: before }) });
    const previewed = await waitForRun(async () => (await runsOf(head)).find((r) => !r.apply && r.status !== 'running'));
    if (!previewed.plan?.saved) throw new Error(`pull-request run ${previewed.id} saved no plan: ${previewed.status} ${previewed.message ?? ''}`);
    await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: repo.workDir });
    return { head, ...(await applyPush(before, head)) };
  };

  const floorMs: number[] = [];
  const cachedFloorMs: number[] = [];
  const ratios: string[] = [];
  const breakdown: string[] = [];
  const serviceMs: number[] = [];
  const reviewedMs: number[] = [];
  const reviewedBreakdown: string[] = [];
  const planUse: string[] = [];
  const cliMs: number[] = [];
  let capacity = 3;
  for (let r = 0; r < rounds; r++) {
    capacity = capacity === 3 ? 4 : 3;
    // The CLI's copy alternates on its own (4, 3, 4, …): the service's stack is set back to 3 by each reviewed round, the copy is not, and each update must change the property.
    setCapacity(cliDir, r % 2 === 0 ? 4 : 3);
    const c0 = Date.now();
    await pulumi(['up', '--yes', '--stack', 'sandbox', '--policy-pack', 'policies']);
    const cli = Date.now() - c0;
    floorMs.push(await floor.up(`round-${r}`));
    cachedFloorMs.push(await cachedFloor.up(`round-${r}`));

    // A push straight to main: the apply previews (with the policy pack) and updates in one engine process.
    setCapacity(repo.workDir, capacity);
    const before = main;
    main = await repo.commitAndPush(`capacity ${capacity}`);
    const direct = await applyPush(before, main);
    breakdown.push(direct.parts);
    serviceMs.push(direct.ms);
    cliMs.push(cli);
    ratios.push((direct.ms / cli).toFixed(3));

    capacity = capacity === 3 ? 4 : 3;
    const reviewed = await applyViaPullRequest(capacity, main);
    main = reviewed.head;
    reviewedMs.push(reviewed.ms);
    reviewedBreakdown.push(reviewed.parts);
    planUse.push(reviewed.applied.plan?.used ? 'used' : `not-used:${reviewed.applied.plan?.reason ?? 'none'}`);
  }
  const total = serviceMs.reduce((a, b) => a + b, 0) / cliMs.reduce((a, b) => a + b, 0);
  console.log(`service_breakdown_ms direct: ${breakdown.join(' | ')} ; reviewed: ${reviewedBreakdown.join(' | ')}`);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const engineOf = (parts: string[]) => parts.map((b) => Number(/engine=(\d+)/.exec(b)?.[1]));
  console.log(
    `engine_vs_floor_direct ratio=${(mean(serviceMs) / mean(floorMs)).toFixed(3)} engine_only=${(mean(engineOf(breakdown)) / mean(floorMs)).toFixed(3)} rounds=${rounds} service_ms=${serviceMs.join(',')} floor_ms=${floorMs.join(',')}` +
      ' (a push straight to main: webhook to applied, with queue, fetch, build, and preview with the policy pack then update of the TypeScript sandbox stack in one engine process)',
  );
  console.log(
    `engine_vs_floor ratio=${(mean(reviewedMs) / mean(floorMs)).toFixed(3)} engine_only=${(mean(engineOf(reviewedBreakdown)) / mean(floorMs)).toFixed(3)} rounds=${rounds} service_ms=${reviewedMs.join(',')} floor_ms=${floorMs.join(',')} plan=${planUse.join(',')}` +
      ' (service: a change previewed on its pull request, then merged: webhook of the merge to applied, with queue, fetch, build, and `up --skip-preview --plan` with the policy pack, not the untimed pull-request preview; engine_only: that engine process alone;' +
      ' floor: `pulumi up --skip-preview` of a one-resource plain-JavaScript dynamic-provider program without policy pack or I/O, one property changed per round, alternated with both in one run)',
  );
  console.log(
    `engine_vs_floor_same_cache ratio=${(mean(reviewedMs) / mean(cachedFloorMs)).toFixed(3)} floor_ms=${cachedFloorMs.join(',')}` +
      " (the engine_vs_floor service rounds against the same floor run with Node's compile cache, as the service runs its engines: the part of the gap the cache does not close)",
  );
  console.log(`overhead_vs_cli ratio=${total.toFixed(3)} rounds=${rounds} per_round=${ratios.join(',')} service_ms=${serviceMs.join(',')} cli_ms=${cliMs.join(',')}`);
} finally {
  await service.stop();
  await storeRedis.quit();
  await fleet.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
