import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Wall and CPU time of a piece of work, and the heap, for the trace bench.
 * The machine is shared, so every rate is printed by this process's CPU
 * time beside the wall clock: CPU time moves less when others run.
 */
export interface Cost {
  wallMs: number;
  /** This process's user + system CPU time. */
  cpuMs: number;
}

export async function measured<T>(work: () => Promise<T> | T): Promise<{ result: T; cost: Cost }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { result, cost: { wallMs, cpuMs: (c.user + c.system) / 1000 } };
}

/** Per second, from a count and milliseconds, rounded. */
export const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);

/** `wall … spans/s (… ms), cpu … spans/s (… ms)`: the line's common part. */
export const rates = (spans: number, c: Cost) =>
  `spans_per_s wall=${perSecond(spans, c.wallMs)} cpu=${perSecond(spans, c.cpuMs)} (wall ${c.wallMs.toFixed(0)} ms, cpu ${c.cpuMs.toFixed(0)} ms)`;

// tsx starts node without --expose-gc; the flag can still be set, and gc fetched from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection: what is still held, not garbage waiting. */
export function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The load average (1, 5, 15 min) and the number of cores, to print beside a figure. */
export const loadLine = () => `load_avg=${loadavg().map((l) => l.toFixed(2)).join('/')} cores=${cpus().length}`;
