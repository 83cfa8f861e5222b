/**
 * Fault survival benchmark (`npm run --silent bench:faults [-- --trials N --seed S --outage-seconds T]`).
 *
 * N trials (default 20) against the real engine on a file backend, a Redis
 * persisted with AOF, moto behind a cuttable relay (CloudWatch for the
 * telemetry the workers run), local Git remotes and `homeostat serve` worker
 * processes. Each trial pushes two commits and, at a seeded random moment of
 * an apply, injects one fault (kinds in turn, see `faults/fault-kinds.ts`).
 * After it, the records, Git and the backend are checked against the same
 * rules whatever the fault (`faults/trial-checks.ts`). A per-kind breakdown
 * is printed, and last:
 *   faults trials=N survived=N lost_pushes=0 duplicate_applies=0 stuck_runs=0 foreign_locks_cleared=0
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { createAuditLog } from '../orchestrator/audit/index.ts';
import { loadServiceConfig } from '../orchestrator/config/service-config.ts';
import { applyMessage } from '../orchestrator/engine/applied-commit.ts';
import { createStackRunner } from '../orchestrator/engine/stack-runner.ts';
import { createRedis } from '../orchestrator/queue/redis.ts';
import { createRunStore } from '../orchestrator/records/run-store.ts';
import { startMoto, startRedis } from '../orchestrator/runtime/local-services.ts';
import { PROJECT_ROOT, resolveToolchain } from '../orchestrator/runtime/toolchain.ts';
import { startFleetSimulator } from '../sandbox/fleet-simulator.ts';
import { createLocalRepo } from '../sandbox/local-repo.ts';
import { startService } from '../orchestrator/service/service.ts';
import { cuttableRelay } from '../test/support/cuttable-relay.ts';
import { prng } from '../test/support/seeded-random.ts';
import { startServiceProcess, type ServiceProcess } from '../test/support/worker-process.ts';
import { pushPayload, sendGithubWebhook } from '../test/support/webhooks.ts';
import { wholeNumberArg } from './cli-args.ts';
import { FAULT_KINDS, limitedMount, unmount, type FaultKind, type FaultWorld } from './faults/fault-kinds.ts';
import { judgeTrial, type TrialVerdict } from './faults/trial-checks.ts';

const trials = wholeNumberArg('trials', 20);
const seed = wholeNumberArg('seed', 1);
const outageSeconds = wholeNumberArg('outage-seconds', 60);
const random = prng(seed);
const STACK = 'infra/./sandbox';
const SECRET = 'bench-faults-webhook-secret';
const PASSPHRASE = 'bench-faults-passphrase';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-bench-faults-'));
let redis = await startRedis({ aof: true });
const moto = await startMoto();
const relay = await cuttableRelay(new URL(moto.url));
const fleet = await startFleetSimulator();
const repo = await createLocalRepo(join(dir, 'git'), PROJECT_ROOT);
const toolchain = resolveToolchain();
const backendDir = join(dir, 'state');
// The data folder (mirrors, checkouts, dependencies) on a mount of its own, so that the disk-full fault can fill it.
const dataDir = join(dir, 'data');
const dataDirLimited = limitedMount(dataDir, '3g');
const env = { BENCH_SECRET: SECRET, BENCH_PASSPHRASE: PASSPHRASE, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
Object.assign(process.env, env);
const configDoc = {
  redisUrl: redis.url,
  redisPrefix: 'faults',
  listen: { host: '127.0.0.1', port: 0 },
  // Loopback only, and nothing here calls the API: webhooks carry their own signatures.
  auth: 'none',
  dataDir,
  // A short lease, so that a dead worker's stack is taken over within seconds.
  leaseSeconds: 6,
  shutdownGraceSeconds: 15,
  pulumi: { backendUrl: `file://${backendDir}`, passphrase: { env: 'BENCH_PASSPHRASE' }, plugins: 'off', env: { HOMEOSTAT_FLEET_URL: fleet.url } },
  telemetry: { enabled: true, endpoint: relay.url, pollIntervalSeconds: 5 },
  repositories: [{ id: 'infra', url: repo.remote, forge: 'github', webhookSecret: { env: 'BENCH_SECRET' }, stacks: ['sandbox'] }],
};
const configFile = join(dir, 'config.yaml');
writeFileSync(configFile, stringify(configDoc));
// The receiver takes webhooks in this process; the work is done by worker processes that faults may kill.
const receiver = await startService(loadServiceConfig(configDoc, env), { workers: false });
const hook = `${receiver.url}/webhooks/infra`;
const storeRedis = createRedis(redis.url);
const store = createRunStore(storeRedis, 'faults');
const audit = createAuditLog(storeRedis, 'faults');
const runner = await createStackRunner({ pulumiDir: toolchain.pulumiDir, backendUrl: `file://${backendDir}`, passphrase: PASSPHRASE, policyPacks: [], plugins: { mode: 'off' }, env: { ...toolchain.engineEnv, HOMEOSTAT_FLEET_URL: fleet.url } });
const stackRef = { workDir: repo.workDir, stack: 'sandbox' };

const workers: ServiceProcess[] = [await startServiceProcess(configFile, env)];
const world: FaultWorld = {
  dir,
  backendDir,
  dataDir,
  dataDirLimited,
  outageMs: outageSeconds * 1000,
  random,
  store,
  stackKey: STACK,
  relay,
  remoteDir: repo.remote,
  async killWorker() {
    await workers.shift()?.kill('SIGKILL');
    workers.push(await startServiceProcess(configFile, env));
  },
  async addWorker() {
    workers.push(await startServiceProcess(configFile, env));
  },
  async restartRedis() {
    const { port, dir: redisDir } = redis;
    await redis.stop();
    await sleep(2000);
    redis = await startRedis({ aof: true, port, dir: redisDir });
  },
};

let capacity = 3;
let head = await repo.commitAndPush('initial stacks');
await announce(undefined, head);
await settle([head], 300_000);

/** Tells the receiver about a push, as GitHub would. */
async function announce(before: string | undefined, after: string): Promise<void> {
  const res = await sendGithubWebhook(hook, { event: 'push', secret: SECRET, payload: pushPayload(repo.remote, 'refs/heads/main', before ?? '0'.repeat(40), after) });
  if (res.status !== 202) throw new Error(`webhook refused: ${res.status} ${JSON.stringify(res.body)}`);
}

async function pushCapacity(): Promise<string> {
  // Within the max-capacity-step policy's factor of 2, whatever was applied last.
  capacity = capacity >= 5 ? 3 : capacity + 1;
  const file = join(repo.workDir, 'stacks', 'Pulumi.sandbox.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(sandbox:capacity:) .*/, `$1 ${capacity}`));
  const before = head;
  head = await repo.commitAndPush(`capacity ${capacity}`);
  await announce(before, head);
  return head;
}

/** Waits until the backend is at the newest push and no run is in flight; false if it never got there. */
async function settle(pushed: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await (async () => (await runner.appliedCommit(stackRef)) === pushed.at(-1) && (await store.inFlight()).length === 0)().catch(() => false);
    if (ok) return true;
    await sleep(1000);
  }
  return false;
}

/** Waits until a run of the stack is applying (the moment faults are injected in); false if none started in time. */
async function untilApplying(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const applying = await store.inFlight().then((runs) => runs.some((r) => r.stackKey === STACK && r.phase === 'applying')).catch(() => false);
    if (applying) return true;
    await sleep(100);
  }
  return false;
}

const results: { kind: FaultKind; verdict: TrialVerdict; note: string; seconds: number }[] = [];
try {
  for (let t = 0; t < trials; t++) {
    const kind = FAULT_KINDS[t % FAULT_KINDS.length]!;
    const started = Date.now();
    const fault = kind.prepare ? await kind.prepare(world) : undefined;
    const pushed = [await pushCapacity()];
    await sleep(random() * 300);
    pushed.push(await pushCapacity());
    let note = '';
    if (fault?.skipped) {
      note = fault.skipped;
    } else if (kind.atApply) {
      if (await untilApplying(120_000)) {
        await sleep(random() * 1500);
        note = (await kind.atApply(world)) ?? '';
      } else {
        note = 'no apply was seen to inject the fault into';
      }
    }
    const foreignLockKept = fault?.release ? await fault.release() : undefined;
    await settle(pushed, 300_000);
    const history = await runner.history(stackRef, 100).catch(() => []);
    const appliesPerCommit = new Map(pushed.map((c) => [c, history.filter((h) => h.kind === 'update' && h.result === 'succeeded' && h.message === applyMessage(c)).length]));
    const runs = (await store.list({ stackKey: STACK, limit: 200 })).filter((r) => pushed.includes(r.commit));
    const verdict = judgeTrial({
      pushed,
      backendApplied: await runner.appliedCommit(stackRef).catch(() => undefined),
      appliesPerCommit,
      runs: runs.map((r) => ({ commit: r.commit, status: r.status, reason: r.reason, phase: r.phase })),
      auditOk: (await audit.verify()).ok,
      ...(foreignLockKept !== undefined ? { foreignLockKept } : {}),
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    results.push({ kind: kind.name, verdict, note, seconds });
    console.log(`trial ${t + 1}/${trials} ${kind.name}: ${verdict.survived ? 'survived' : 'FAILED'} in ${seconds} s${note ? ` (${note})` : ''}${verdict.problems.length ? `: ${verdict.problems.join('; ')}` : ''}`);
  }
} finally {
  for (const w of workers) await w.kill('SIGTERM').catch(() => undefined);
  await receiver.stop();
  await storeRedis.quit();
  await relay.close();
  await fleet.close();
  await moto.stop();
  await redis.stop();
  rmSync(redis.dir, { recursive: true, force: true });
  if (dataDirLimited === true) await unmount(dataDir);
  rmSync(dir, { recursive: true, force: true });
}

const sum = (f: (v: TrialVerdict) => number, of = results) => of.reduce((n, r) => n + f(r.verdict), 0);
for (const kind of FAULT_KINDS) {
  const of = results.filter((r) => r.kind === kind.name);
  if (of.length === 0) continue;
  const notes = [...new Set(of.map((r) => r.note).filter(Boolean))];
  console.log(
    `fault kind=${kind.name} trials=${of.length} survived=${of.filter((r) => r.verdict.survived).length} lost_pushes=${sum((v) => v.lostPushes, of)} duplicate_applies=${sum((v) => v.duplicateApplies, of)} stuck_runs=${sum((v) => v.stuckRuns, of)} foreign_locks_cleared=${sum((v) => v.foreignLocksCleared, of)} median_s=${of.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor(of.length / 2)]}${notes.length ? ` notes="${notes.join('; ')}"` : ''}`,
  );
}
console.log(`faults trials=${results.length} survived=${results.filter((r) => r.verdict.survived).length} lost_pushes=${sum((v) => v.lostPushes)} duplicate_applies=${sum((v) => v.duplicateApplies)} stuck_runs=${sum((v) => v.stuckRuns)} foreign_locks_cleared=${sum((v) => v.foreignLocksCleared)}`);
