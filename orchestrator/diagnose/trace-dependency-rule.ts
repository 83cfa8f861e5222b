import type { Incident } from '../correlate/incident.ts';
import type { TraceFigures, TraceGraph } from '../traces/trace-graph.ts';
import { clamp01, iso, minutes, round3 } from './describe.ts';
import type { DiagnosisOptions } from './diagnosis-options.ts';
import type { ProbableCause } from './probable-cause.ts';

/**
 * Rule: a service of this incident's stacks is slow because a service it
 * calls got slow first, as the traces show.
 *
 * From each service running in the incident's stacks, the rule follows the
 * caller → callee edges of the trace graph (up to three calls deep). An edge
 * has *risen* when its p95 reaches {@link RISE_RATIO} times its baseline (the
 * median p95 of the periods before the window) and at least
 * {@link MIN_RISE_MS} more, at some period from `dependencyWindowMs` before
 * the onset to one period after it. The cause is the deepest risen edge on a
 * path whose rise came no later than its caller's own p95 rise (or the
 * onset, when the caller's own series shows none): the slow dependency is
 * the one nothing further down explains.
 *
 *   explained  = clamp(edge p95 rise / caller p95 rise)   (0.5 when the caller's series is missing)
 *   confidence = 0.5 + 0.4 x explained x (1 direct, 0.9 further)
 *
 * so a direct callee whose rise accounts for all of its caller's scores 0.9,
 * above a saturation with demand flat (at most 0.35) and on a par with one
 * where demand doubled.
 */
export const RISE_RATIO = 1.5;
export const MIN_RISE_MS = 5;
/** Baseline periods needed before a rise can be judged. */
const MIN_BASELINE = 3;

interface Rise {
  /** The first period at the risen level. */
  at: number;
  baseline: number;
  /** Largest p95 in the window. */
  peak: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** When a series' p95 rose in [from, to], against its median before `from`; undefined when it did not, or cannot tell. */
export function p95Rise(points: readonly TraceFigures[], from: number, to: number): Rise | undefined {
  const before = points.filter((p) => p.timestamp < from && p.p95 !== undefined).map((p) => p.p95!);
  if (before.length < MIN_BASELINE) return undefined;
  const baseline = median(before);
  const risen = (v: number) => v >= baseline * RISE_RATIO && v - baseline >= MIN_RISE_MS;
  let rise: Rise | undefined;
  for (const p of points) {
    if (p.timestamp < from || p.timestamp > to || p.p95 === undefined) continue;
    if (rise) rise.peak = Math.max(rise.peak, p.p95);
    else if (risen(p.p95)) rise = { at: p.timestamp, baseline, peak: p.p95 };
  }
  return rise;
}

/** `payments'`, `checkout's`. */
const possessive = (name: string) => (name.endsWith('s') ? `${name}'` : `${name}'s`);

interface Found {
  caller: string;
  callee: string;
  rise: Rise;
  depth: number;
}

/** The deepest risen edge below `service`, whose rise is no later than `notAfter`. */
function deepest(graph: TraceGraph, service: string, notAfter: number, from: number, to: number, depth: number, seen: Set<string>): Found | undefined {
  if (depth > 3) return undefined;
  let best: Found | undefined;
  for (const e of graph.edges) {
    if (e.caller !== service || seen.has(e.callee)) continue;
    const rise = p95Rise(e.points, from, to);
    if (!rise || rise.at > notAfter) continue;
    const here: Found = { caller: e.caller, callee: e.callee, rise, depth };
    const below = deepest(graph, e.callee, rise.at, from, to, depth + 1, new Set([...seen, e.callee]));
    const pick = below ?? here;
    if (!best || pick.depth > best.depth || (pick.depth === best.depth && pick.rise.at < best.rise.at)) best = pick;
  }
  return best;
}

export function traceDependencyCauses(incident: Incident, graph: TraceGraph | undefined, o: Required<DiagnosisOptions>): ProbableCause[] {
  if (!graph) return [];
  const from = incident.onsetAt - o.dependencyWindowMs;
  const to = incident.onsetAt + graph.periodMs;
  const stackOf = new Map(graph.services.flatMap((s) => (s.stackKey ? [[s.service, s.stackKey] as const] : [])));
  const causes = new Map<string, ProbableCause>();
  for (const svc of graph.services) {
    if (!svc.stackKey || !incident.stacks.includes(svc.stackKey)) continue;
    const own = p95Rise(svc.points, from, to);
    const found = deepest(graph, svc.service, own?.at ?? incident.onsetAt, from, to, 1, new Set([svc.service]));
    if (!found || found.callee === svc.service) continue;
    const edgeRise = found.rise.peak - found.rise.baseline;
    const explained = own ? clamp01(edgeRise / Math.max(own.peak - own.baseline, 1e-9)) : 0.5;
    const confidence = round3(0.5 + 0.4 * explained * (found.depth === 1 ? 1 : 0.9));
    const calleeStack = stackOf.get(found.callee);
    const lead = (own?.at ?? incident.onsetAt) - found.rise.at;
    const cause: ProbableCause = {
      kind: 'dependency',
      confidence,
      evidence: [
        `edge ${found.caller} → ${found.callee} (traces): p95 rose from ${Math.round(found.rise.baseline)} ms to ${Math.round(found.rise.peak)} ms, first at ${iso(found.rise.at)}`,
        own
          ? `${possessive(svc.service)} own p95 rose from ${Math.round(own.baseline)} ms to ${Math.round(own.peak)} ms at ${iso(own.at)}, ${lead > 0 ? `${minutes(lead)} later` : 'in the same period'}; ${found.callee} accounts for ${Math.round(explained * 100)}% of that rise`
          : `${possessive(svc.service)} own p95 shows no rise of its own before the incident's onset at ${iso(incident.onsetAt)}`,
        ...(found.depth > 1 ? [`${svc.service} reaches ${found.callee} through ${found.depth} calls; nothing further down rose first`] : []),
      ],
      stackKey: calleeStack ?? svc.stackKey,
      service: found.callee,
      explanation: `${svc.service} is slow because ${possessive(found.callee)} p95 rose first: the calls ${found.caller} → ${found.callee} slowed before ${svc.service} did.`,
      check: `Look at ${found.callee} (its own latency and what it calls) first; adding capacity to ${svc.service} would not help if its rise matches ${possessive(found.callee)}.`,
    };
    const key = `${found.caller}>${found.callee}`;
    if (!causes.has(key) || causes.get(key)!.confidence < confidence) causes.set(key, cause);
  }
  return [...causes.values()];
}
