import type { Redis } from 'ioredis';
import { infoField } from '../../orchestrator/queue/redis.ts';
import { createReaderTurn } from '../../orchestrator/runtime/reader-turn.ts';
import type { FlatSpan } from '../../orchestrator/traces/otlp-spans.ts';
import { createSharedTraceRunner } from '../../orchestrator/traces/shared-trace-runner.ts';
import { assertCounts } from './count-check.ts';
import { measured, rates, type Cost } from './cost.ts';
import { stackOf, type SyntheticSpans } from './synthetic-spans.ts';

/** The runner's default grace window (`traces.settleSeconds`), used to place the clock when closing. */
const SETTLE_MS = 15_000;

export interface SharedResult {
  ingest: Cost;
  /** Redis's own CPU (user + system) over the ingest: the Lua scripts run there, not in Node. */
  redisCpuMs: number;
  /** `used_memory` added by the ingest. */
  redisBytes: number;
  /** Each period's close: one reader tick (merge, orphans, scoring, graph saved, close recorded). */
  closes: Cost[];
}

async function redisFigures(redis: Redis): Promise<{ memory: number; cpuMs: number }> {
  const memory = Number(infoField(await redis.info('memory'), 'used_memory'));
  const cpu = await redis.info('cpu');
  const cpuMs = (Number(infoField(cpu, 'used_cpu_user')) + Number(infoField(cpu, 'used_cpu_sys'))) * 1000;
  return { memory, cpuMs };
}

/**
 * The shared path (`traces.shared: true`) as one receiving process runs it:
 * the shared trace runner at its default options on its own prefix of the
 * bench's Redis, fed the batches one after another (each awaited, as one
 * receiver request at a time), then every period closed by reader ticks
 * with the clock placed just past its grace window, one period a tick.
 */
export async function sharedPass(redis: Redis, data: SyntheticSpans, batches: readonly FlatSpan[][], periodMs: number): Promise<SharedResult> {
  const prefix = 'bench-traces';
  const warnings: string[] = [];
  let clock = data.periods[0]!;
  const turn = createReaderTurn(redis, { prefix, name: 'traces', owner: `bench-${process.pid}` });
  const runner = createSharedTraceRunner({ redis, prefix, turn, onAnomalies: () => {}, onWarning: (m) => warnings.push(m), aggregator: { periodMs, stackOf }, now: () => clock });
  const r0 = await redisFigures(redis);
  const { cost: ingest } = await measured(async () => {
    for (const b of batches) await runner.ingest(b);
  });
  const r1 = await redisFigures(redis);
  const closes: Cost[] = [];
  let unresolved = 0;
  let dropped = 0;
  for (const period of data.periods) {
    clock = period + periodMs + SETTLE_MS;
    const { result, cost } = await measured(() => runner.tick());
    if (result.points === 0) throw new Error(`shared path: the tick for period ${new Date(period).toISOString()} closed nothing`);
    unresolved += result.unresolved;
    dropped += result.dropped;
    closes.push(cost);
  }
  await runner.release();
  assertCounts('shared path', runner.graph(), data.expected, data.periods);
  const s = runner.stats();
  if (s.repeated || s.late || s.unremembered || unresolved || dropped || warnings.length) {
    throw new Error(`shared path: repeated=${s.repeated} late=${s.late} unremembered=${s.unremembered} unresolved=${unresolved} dropped=${dropped} warnings=${warnings.join('; ')}`);
  }
  return { ingest, redisCpuMs: r1.cpuMs - r0.cpuMs, redisBytes: r1.memory - r0.memory, closes };
}

/** The shared path's lines. */
export function sharedReport(spans: number, r: SharedResult): string[] {
  const closes = r.closes.map((c) => c.wallMs.toFixed(1)).join(',');
  const closeCpu = r.closes.map((c) => c.cpuMs.toFixed(1)).join(',');
  return [
    `shared ${rates(spans, r.ingest)} redis_cpu_ms=${r.redisCpuMs.toFixed(0)} (node cpu is this process only; the Lua scripts run in redis-server)`,
    `shared close_period_ms=${closes} node_cpu_ms=${closeCpu} (the longest wall time is the headline; one reader tick per period: orphans looked up, partial merged, figures scored by the detectors, graph saved, close recorded)`,
    `shared redis_used_memory_added=${r.redisBytes} bytes (${(r.redisBytes / spans).toFixed(1)} per span; expires with its periods)`,
  ];
}
