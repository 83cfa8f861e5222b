import type { Incident } from '../correlate/incident.ts';
import { dependenciesOf } from '../correlate/topology.ts';
import type { Topology } from '../correlate/topology.ts';
import { describeSignal, iso, minutes, round3, topSignals } from './describe.ts';
import type { DiagnosisOptions } from './diagnosis-options.ts';
import type { ProbableCause } from './probable-cause.ts';

/**
 * Rule: a stack this incident's stacks depend on (directly, or through up to
 * two others) had its own incident first.
 *
 * A suspect is another incident holding such a dependency (not itself part
 * of this incident), with its onset before this one's by at most
 * `dependencyWindowMs`, and still open at this one's onset.
 *
 *   confidence = 0.8 x (1 - 0.5 x lead / dependencyWindowMs) x (1 direct, 0.8 further)
 *
 * so a direct dependency that broke 5 minutes earlier scores 0.73.
 */
export function dependencyCauses(incident: Incident, others: readonly Incident[], topology: Topology, o: Required<DiagnosisOptions>): ProbableCause[] {
  const causes: ProbableCause[] = [];
  for (const other of others) {
    if (other.id === incident.id) continue;
    const lead = incident.onsetAt - other.onsetAt;
    if (lead <= 0 || lead > o.dependencyWindowMs) continue;
    if (other.resolvedAt !== undefined && other.resolvedAt < incident.onsetAt) continue;
    let best: { from: string; dep: string; depth: number } | undefined;
    for (const from of incident.stacks) {
      for (const d of dependenciesOf(topology, from)) {
        if (incident.stacks.includes(d.stackKey) || !other.stacks.includes(d.stackKey)) continue;
        if (!best || d.depth < best.depth) best = { from, dep: d.stackKey, depth: d.depth };
      }
    }
    if (!best) continue;
    const confidence = round3(0.8 * (1 - (0.5 * lead) / Math.max(o.dependencyWindowMs, 1)) * (best.depth === 1 ? 1 : 0.8));
    const via = best.depth === 1 ? 'a direct dependency' : `a dependency ${best.depth} links away`;
    causes.push({
      kind: 'dependency',
      confidence,
      evidence: [
        `${best.dep} (${via} of ${best.from}) has incident ${other.id}, abnormal since ${iso(other.onsetAt)}, ${minutes(lead)} before this incident's onset at ${iso(incident.onsetAt)}`,
        ...topSignals(other, best.dep, 3).map((s) => `in ${other.id}: ${describeSignal(s)}`),
      ],
      stackKey: best.dep,
      dependencyIncident: other.id,
      explanation: `${best.from} depends on ${best.dep}, which broke ${minutes(lead)} earlier: this incident is likely a consequence of ${other.id}.`,
      check: `Look at incident ${other.id} first; if it resolves, this one should too.`,
    });
  }
  return causes;
}
