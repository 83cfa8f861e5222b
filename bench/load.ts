/**
 * Scale-out benchmark (`npm run --silent bench:load [-- --stacks S --pushes P
 * --burst B --touch K --gap-seconds G --concurrency C --seed N --settle-seconds T]`).
 *
 * S sandbox-kind stacks (default 16) in one repository; P pushes (default 16)
 * sent in bursts of B (default 4) G seconds apart (default 20), each changing
 * the capacity of K stacks (default 3) picked by a seeded PRNG. The same load
 * runs twice on fresh state against one Redis and a file backend with the
 * real engine: first with one `homeostat serve --no-http` worker process, then
 * with two, each with C deploy slots (default 2). Webhooks are received in
 * this process; the engine work is done by the worker processes alone.
 *
 * From the run records and the backend's own history it counts lost changes
 * (a (push, stack) change neither applied nor superseded by a later applied
 * push; a stack not at the last commit that touched it) and overlapping
 * updates of one stack. Per-run figures are printed, and last:
 *   load stacks=S pushes=P lost=0 overlapping=0 p95_push_to_apply_ms=… throughput_ratio_2v1=…
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../orchestrator/runtime/local-services.ts';
import { prng } from '../test/support/seeded-random.ts';
import { percentile, wholeNumberArg } from './cli-args.ts';
import { runLoad, type LoadPlan, type RunFigures } from './load/load-run.ts';

const stackCount = wholeNumberArg('stacks', 16);
const pushCount = wholeNumberArg('pushes', 16);
const burstSize = wholeNumberArg('burst', 4);
const touch = wholeNumberArg('touch', 3);
const gapSeconds = wholeNumberArg('gap-seconds', 20);
const concurrency = wholeNumberArg('concurrency', 2);
const seed = wholeNumberArg('seed', 1);
const settleSeconds = wholeNumberArg('settle-seconds', 1800);
if (touch > stackCount) throw new Error(`--touch (${touch}) must be at most --stacks (${stackCount})`);

/** The same load for both runs: bursts of pushes, each naming the stacks it changes. */
function makePlan(): LoadPlan {
  const random = prng(seed);
  const stacks = Array.from({ length: stackCount }, (_, i) => `load-${String(i).padStart(3, '0')}`);
  const bursts: string[][][] = [];
  for (let p = 0; p < pushCount; p++) {
    if (p % burstSize === 0) bursts.push([]);
    const pool = [...stacks];
    const touched: string[] = [];
    for (let k = 0; k < touch; k++) touched.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
    bursts.at(-1)!.push(touched.sort());
  }
  return { stacks, bursts, burstGapMs: gapSeconds * 1000, concurrency, settleTimeoutMs: settleSeconds * 1000 };
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (xs: number[]) => (xs.length ? percentile([...xs].sort((a, b) => a - b), 50) : NaN);

function describe(f: RunFigures): string {
  const l = f.verdict.latencies;
  const rate = (f.changes / (f.wallMs / 1000)).toFixed(3);
  return [
    `run workers=${f.workers} wall_ms=${f.wallMs} changes=${f.changes} applies=${f.applies} superseded=${f.superseded}`,
    `changes_per_s=${rate} push_to_apply_ms p50=${l.length ? percentile(l, 50) : NaN} p95=${l.length ? percentile(l, 95) : NaN} max=${l.at(-1) ?? NaN}`,
    `engine_apply_ms median=${median(f.engineMs)} lost=${f.verdict.lost} overlapping=${f.verdict.overlapping}`,
    `redis_commands=${f.redisCommands} redis_commands_per_s=${(f.redisCommands / (f.wallMs / 1000)).toFixed(1)} redis_used_memory_bytes=${f.redisMemoryBytes}`,
    `excluded: set-up ${Math.round(f.setupMs / 1000)} s (repository, worker start, first deploy of every stack)`,
  ].join(' ');
}

const plan = makePlan();
const dir = mkdtempSync(join(tmpdir(), 'homeostat-bench-load-'));
const redis = await startRedis();
const figures: RunFigures[] = [];
console.log(`load plan stacks=${stackCount} pushes=${pushCount} burst=${burstSize} touch=${touch} gap_s=${gapSeconds} concurrency_per_worker=${concurrency} seed=${seed}`);
console.log(`loadavg_start ${load()}`);
try {
  for (const workers of [1, 2]) {
    const f = await runLoad(plan, workers, redis.url, join(dir, `w${workers}`));
    console.log(describe(f));
    for (const p of f.verdict.problems.slice(0, 10)) console.log(`  problem: ${p}`);
    figures.push(f);
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`loadavg_end ${load()}`);
console.log('excluded from every figure: set-up (repositories, worker start, the first deploy of every stack) and the engine build; wall = first push webhook to last apply finished');

const [one, two] = figures as [RunFigures, RunFigures];
const all = [...one.verdict.latencies, ...two.verdict.latencies].sort((a, b) => a - b);
const throughput = (f: RunFigures) => f.changes / f.wallMs;
console.log(
  `load stacks=${stackCount} pushes=${pushCount} lost=${one.verdict.lost + two.verdict.lost} overlapping=${one.verdict.overlapping + two.verdict.overlapping} p95_push_to_apply_ms=${all.length ? percentile(all, 95) : NaN} throughput_ratio_2v1=${(throughput(two) / throughput(one)).toFixed(2)}`,
);
