import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { loadServiceConfig } from '../../orchestrator/config/service-config.ts';
import { createRedis } from '../../orchestrator/queue/redis.ts';
import { createRunStore } from '../../orchestrator/records/run-store.ts';
import { PROJECT_ROOT } from '../../orchestrator/runtime/toolchain.ts';
import { startService } from '../../orchestrator/service/service.ts';
import { startFleetSimulator } from '../../sandbox/fleet-simulator.ts';
import { createLocalRepo, type LocalRepo } from '../../sandbox/local-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../test/support/worker-process.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../test/support/webhooks.ts';
import { readBackendHistory } from './backend-history.ts';
import { atOrAfterLastTouch, judgeLoad, type LoadVerdict, type PushFact, type RunFact, type Span } from './load-checks.ts';

type TimedRun = RunFact & { applyMs?: number };

const SECRET = 'bench-load-webhook-secret';
const ENV = { BENCH_SECRET: SECRET, BENCH_PASSPHRASE: 'bench-load-passphrase' };

/** The load both runs get: which stacks each push touches, in bursts. */
export interface LoadPlan {
  stacks: string[];
  /** Bursts of pushes; each push names the stacks whose config it changes. */
  bursts: string[][][];
  burstGapMs: number;
  concurrency: number;
  /** How long to wait for the stacks to settle before counting what is missing as lost. */
  settleTimeoutMs: number;
}

export interface RunFigures {
  workers: number;
  verdict: LoadVerdict;
  pushes: number;
  changes: number;
  applies: number;
  superseded: number;
  /** First webhook sent to the last apply finished, ms. */
  wallMs: number;
  /** Engine time of the applies (the run records' applyMs), ms. */
  engineMs: number[];
  setupMs: number;
  redisCommands: number;
  redisMemoryBytes: number;
}

/** The stack file of a load stack: the sandbox program, a service of its own. */
function writeStackFile(repo: LocalRepo, stack: string, capacity: number): void {
  const base = readFileSync(join(PROJECT_ROOT, 'stacks', 'Pulumi.sandbox.yaml'), 'utf8');
  const doc = base.replace(/(sandbox:serviceName:) .*/, `$1 ${stack}`).replace(/(sandbox:capacity:) .*/, `$1 ${capacity}`);
  writeFileSync(join(repo.workDir, 'stacks', `Pulumi.${stack}.yaml`), doc);
}

async function redisStats(url: string): Promise<{ commands: number; memory: number }> {
  const r = createRedis(url);
  try {
    const info = await r.info();
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    return { commands: field('total_commands_processed'), memory: field('used_memory') };
  } finally {
    await r.quit();
  }
}

/**
 * One run of the load with `workers` worker processes, on fresh state (its
 * own repository, Redis prefix, backend and fleet), against the shared Redis.
 * The initial deploy of every stack is set-up and not measured.
 */
export async function runLoad(plan: LoadPlan, workers: number, redisUrl: string, dir: string): Promise<RunFigures> {
  const setupStart = Date.now();
  mkdirSync(dir, { recursive: true });
  const fleet = await startFleetSimulator();
  const repo = await createLocalRepo(join(dir, 'git'), PROJECT_ROOT);
  const backendDir = join(dir, 'state');
  const prefix = `load${workers}`;
  const configDoc = {
    redisUrl,
    redisPrefix: prefix,
    listen: { host: '127.0.0.1', port: 0 },
    // Loopback only, and the bench calls no API route: webhooks carry their own signatures.
    auth: 'none',
    dataDir: join(dir, 'data'),
    concurrency: { deploy: plan.concurrency },
    pulumi: { backendUrl: `file://${backendDir}`, passphrase: { env: 'BENCH_PASSPHRASE' }, plugins: 'off', env: { HOMEOSTAT_FLEET_URL: fleet.url } },
    repositories: [{ id: 'infra', url: repo.remote, forge: 'github', webhookSecret: { env: 'BENCH_SECRET' }, stacks: plan.stacks }],
  };
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(configDoc));
  Object.assign(process.env, ENV);
  // Webhooks are taken in this process; the engine work is done by the worker processes alone.
  const receiver = await startService(loadServiceConfig(configDoc, ENV), { workers: false });
  const procs: ServiceProcess[] = [];
  const storeRedis = createRedis(redisUrl);
  const store = createRunStore(storeRedis, prefix);
  const hook = `${receiver.url}/webhooks/infra`;
  let head = ZERO_SHA;
  const push = async (message: string): Promise<{ commit: string; sentAt: number }> => {
    const before = head;
    head = await repo.commitAndPush(message);
    const sentAt = Date.now();
    const res = await sendGithubWebhook(hook, { event: 'push', secret: SECRET, payload: pushPayload(repo.remote, 'refs/heads/main', before, head) });
    if (res.status !== 202) throw new Error(`webhook refused: ${res.status} ${JSON.stringify(res.body)}`);
    return { commit: head, sentAt };
  };
  const runsOf = async (): Promise<TimedRun[]> => {
    const all = await Promise.all(plan.stacks.map((s) => store.list({ stackKey: `infra/./${s}`, limit: 500 })));
    return all.flat().map((r) => ({
      stackKey: r.stackKey,
      commit: r.commit,
      status: r.status,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.timings.startedAt ? { startedAt: Date.parse(r.timings.startedAt) } : {}),
      ...(r.timings.finishedAt ? { finishedAt: Date.parse(r.timings.finishedAt) } : {}),
      ...(r.timings.applyMs !== undefined ? { applyMs: r.timings.applyMs } : {}),
    }));
  };
  try {
    for (let w = 0; w < workers; w++) procs.push(await startServiceProcess(configFile, ENV));
    for (const s of plan.stacks) writeStackFile(repo, s, 2);
    const initial = await push('the load stacks');
    const stackKeys = plan.stacks.map((s) => `infra/./${s}`);
    await settle(stackKeys, [{ commit: initial.commit, sentAt: 0, stacks: stackKeys }], runsOf, plan.settleTimeoutMs);
    const setupMs = Date.now() - setupStart;
    const before = await redisStats(redisUrl);

    const pushes: PushFact[] = [];
    const capacity = new Map(plan.stacks.map((s) => [s, 2]));
    for (const [b, burst] of plan.bursts.entries()) {
      if (b > 0) await sleep(plan.burstGapMs);
      for (const touched of burst) {
        // 2 → 3 → 4 → 2: always within the sandbox's largest step (a factor of 2).
        for (const s of touched) {
          capacity.set(s, capacity.get(s)! >= 4 ? 2 : capacity.get(s)! + 1);
          writeStackFile(repo, s, capacity.get(s)!);
        }
        const p = await push(`load: ${touched.join(' ')}`);
        pushes.push({ commit: p.commit, sentAt: p.sentAt, stacks: touched.map((s) => `infra/./${s}`) });
      }
    }
    await settle([...new Set(pushes.flatMap((p) => p.stacks))], pushes, runsOf, plan.settleTimeoutMs);
    const after = await redisStats(redisUrl);

    const runs = (await runsOf()).filter((r) => pushes.some((p) => p.commit === r.commit));
    const applied = new Map<string, string | undefined>();
    const history = new Map<string, Span[]>();
    for (const s of plan.stacks) {
      const h = readBackendHistory(backendDir, 'homeostat-infra', s);
      applied.set(`infra/./${s}`, h.applied);
      history.set(`infra/./${s}`, h.updates);
    }
    const verdict = judgeLoad(pushes, runs, applied, history);
    const appliedRuns = runs.filter((r) => r.status === 'applied' || r.status === 'unchanged');
    const lastFinish = Math.max(pushes.at(-1)!.sentAt, ...appliedRuns.map((r) => r.finishedAt ?? 0));
    return {
      workers,
      verdict,
      pushes: pushes.length,
      changes: pushes.reduce((n, p) => n + p.stacks.length, 0),
      applies: appliedRuns.length,
      superseded: runs.filter((r) => r.reason === 'Superseded').length,
      wallMs: lastFinish - pushes[0]!.sentAt,
      engineMs: appliedRuns.map((r) => r.applyMs ?? NaN).filter(Number.isFinite),
      setupMs,
      redisCommands: after.commands - before.commands,
      redisMemoryBytes: after.memory,
    };
  } finally {
    for (const p of procs) await p.kill('SIGTERM').catch(() => undefined);
    await receiver.stop();
    await storeRedis.quit();
    await fleet.close();
  }
}

/**
 * Waits until every stack has a finished applied run at or after the last
 * push that touched it and nothing is running; or until nothing has happened
 * for a minute with none running (what is missing then was lost, and the
 * checks count it); or until `timeoutMs`.
 */
async function settle(stacks: string[], pushes: readonly PushFact[], runsOf: () => Promise<RunFact[]>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = stacks;
  let seen = '';
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const runs = await runsOf();
    const busy = runs.some((r) => r.status === 'running');
    missing = stacks.filter((s) => !runs.some((r) => r.stackKey === s && (r.status === 'applied' || r.status === 'unchanged') && atOrAfterLastTouch(pushes, s, r.commit)));
    if (missing.length === 0 && !busy) return;
    const now = runs.map((r) => `${r.stackKey}${r.commit}${r.status}`).sort().join();
    if (now !== seen || busy) [seen, quietSince] = [now, Date.now()];
    if (Date.now() - quietSince > 60_000) {
      console.log(`nothing ran for 60 s: ${missing.length} stacks never reached their last push (${missing.slice(0, 5).join(', ')})`);
      return;
    }
    // Poll gently: the workers share these two cores.
    await sleep(1000);
  }
  console.log(`timed out after ${timeoutMs} ms: ${missing.length} stacks never reached their last push (${missing.slice(0, 5).join(', ')})`);
}
