import { meanBetween } from '../../orchestrator/diagnose/signal-series.ts';
import { clamp01, remediableKey, round3 } from '../bounds.ts';
import { leadingCause, num, seriesOf } from '../evidence.ts';
import type { Playbook, PlaybookInput } from '../playbook.ts';
import { configFileOf } from '../playbook.ts';
import type { HealthSignal } from '../../stacks/contract.ts';
import type { Proposal } from '../proposal.ts';

/** How far back before the onset a leak's climb is looked for. */
export const LEAK_WINDOW_MS = 3 * 60 * 60_000;
/** Shortest climb, and fewest points, that count as a trend. */
export const LEAK_MIN_SPAN_MS = 30 * 60_000;
export const LEAK_MIN_POINTS = 10;
/** Straight-line fit (r²) and total rise (of the starting level) a climb needs. */
export const LEAK_MIN_R2 = 0.7;
export const LEAK_MIN_RISE = 0.2;
/** Demand growing more than this over the window explains the climb: not a leak. */
export const LEAK_MAX_DEMAND_RATIO = 1.25;

const MEMORY_LIKE = /mem|heap|rss/i;

/**
 * A memory-leak-like pattern: a memory signal of the stack climbs steadily
 * (a straight line fits it, r² >= 0.7, rising >= 20% over at least 30 min
 * within 3 h before the incident) while demand stays flat, and the leading
 * cause is saturation or unknown (a deployment is rollback-deploy's). The
 * stack has a `restart`-purpose key: set it to the incident's onset time,
 * which rolls the instances and frees what leaked. Buys time; the leak
 * itself needs a fix.
 *
 *   confidence = (0.35 + 0.45 x r²) x (1 with flat demand, 0.8 when demand is unknown)
 *   risk = low (a rolling restart changes nothing else)
 */
export const restartRollout: Playbook = {
  id: 'restart-rollout',
  title: 'Restart rollout',
  description: 'When memory climbs steadily with flat demand (a leak), set the restart key to the incident time so the instances are rolled and start fresh.',
  propose(input) {
    const cause = leadingCause(input);
    if (cause?.kind !== 'saturation' && cause?.kind !== 'unknown') return [];
    const key = remediableKey(input.stack.contract, 'restart', 'string');
    if (!key) return [];
    const to = new Date(input.incident.onsetAt).toISOString();
    if (key.current === to) return [];

    let best: (Climb & { signal: HealthSignal }) | undefined;
    for (const signal of input.stack.contract.healthSignals) {
      if (!signal.higherIsWorse || (!MEMORY_LIKE.test(signal.id) && !MEMORY_LIKE.test(signal.metricName))) continue;
      const climb = climbOf(input, signal.id);
      if (climb && (!best || climb.r2 > best.r2)) best = { ...climb, signal };
    }
    if (!best) return [];
    const demand = demandRatio(input, best.from, best.to);
    if (demand !== undefined && demand > LEAK_MAX_DEMAND_RATIO) return [];

    const confidence = round3(clamp01((0.35 + 0.45 * best.r2) * (demand === undefined ? 0.8 : 1)));
    const minutes = Math.round((best.to - best.from) / 60_000);
    const evidence = [
      `${best.signal.id} on ${input.stack.stackKey} climbed from ${num(best.start)} to ${num(best.end)} over ${minutes} min (straight-line fit r² ${num(best.r2)})`,
      demand === undefined ? 'no demand values to compare with' : `demand changed ${num(demand)}x over the same window`,
    ];
    const proposal: Proposal = {
      kind: 'config-patch',
      playbook: 'restart-rollout',
      incidentId: input.incident.id,
      stackKey: input.stack.stackKey,
      file: configFileOf(input.stack),
      changes: [{ key: key.key, from: key.current, to }],
      title: `Restart ${input.stack.stackKey} (${key.key} = ${to})`,
      expectedEffect: [
        {
          signalId: best.signal.id,
          direction: 'down',
          relative: round3(clamp01(1 - best.start / best.end)),
          note: `fresh instances start near ${num(best.start)}, where the climb began; it will climb again until the leak is fixed`,
        },
      ],
      confidence,
      risk: 'low',
      explanation: `${best.signal.id} has climbed steadily for ${minutes} min while demand ${demand === undefined ? 'is unknown' : 'stayed flat'}: the pattern of a leak. Setting ${key.key} to the incident time rolls the instances, which frees the memory for now; the leak still needs a fix.`,
      evidence,
    };
    return [proposal];
  },
};

interface Climb {
  from: number;
  to: number;
  /** Fitted values at the start and end of the climb. */
  start: number;
  end: number;
  r2: number;
}

/** A steady climb of the signal within the leak window, or undefined. */
function climbOf(input: PlaybookInput, signalId: string): Climb | undefined {
  const until = Math.max(input.incident.lastAbnormalAt, input.incident.onsetAt);
  const pts = (seriesOf(input, signalId)?.points ?? []).filter(
    (p) => p.timestamp >= input.incident.onsetAt - LEAK_WINDOW_MS && p.timestamp <= until && Number.isFinite(p.value),
  );
  if (pts.length < LEAK_MIN_POINTS) return undefined;
  const from = Math.min(...pts.map((p) => p.timestamp));
  const to = Math.max(...pts.map((p) => p.timestamp));
  if (to - from < LEAK_MIN_SPAN_MS) return undefined;
  // Least squares over minutes since `from`.
  const xs = pts.map((p) => (p.timestamp - from) / 60_000);
  const ys = pts.map((p) => p.value);
  const n = pts.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0 || sxy <= 0) return undefined;
  const slope = sxy / sxx;
  const r2 = (sxy * sxy) / (sxx * syy);
  const start = my + slope * (0 - mx);
  const end = my + slope * ((to - from) / 60_000 - mx);
  if (r2 < LEAK_MIN_R2 || start <= 0 || (end - start) / start < LEAK_MIN_RISE) return undefined;
  return { from, to, start, end, r2 };
}

/** Largest demand growth between the first and last quarter of the window, or undefined without demand values. */
function demandRatio(input: PlaybookInput, from: number, to: number): number | undefined {
  const q = (to - from) / 4;
  let ratio: number | undefined;
  for (const s of input.stack.contract.healthSignals) {
    if (s.role !== 'demand') continue;
    const series = seriesOf(input, s.id);
    const before = meanBetween(series, from, from + q);
    const after = meanBetween(series, to - q, to + 1);
    if (before === undefined || after === undefined || before <= 0) continue;
    ratio = Math.max(ratio ?? 0, after / before);
  }
  return ratio;
}
