import type { StackChange } from '../changes/stack-resources.ts';
import type { Incident } from '../correlate/incident.ts';
import { describeSignal, iso, minutes, round3, topSignals } from './describe.ts';
import type { DiagnosisOptions } from './diagnosis-options.ts';
import type { ProbableCause } from './probable-cause.ts';

/**
 * Rule: a change made outside Git (a console click, a CLI call) to a
 * resource of the incident's stacks shortly before the onset.
 *
 * Suspects are change events made by a person (`manual`; an Auto Scaling
 * activity the service started on its own is not one) on any stack of the
 * incident, between `lookbackMs` before the onset and `afterOnsetGraceMs`
 * after it: the same window as a deployment's.
 *
 *   confidence = 0.95 x weight x proximity x placement
 *
 * - proximity and placement as for a deployment (1 at the onset, 0.3 at the
 *   edge of the look-back; 0.85 on another of the incident's stacks).
 * - weight: a removal (Delete, Terminate, Stop, Detach, Deregister, Disable,
 *   Revoke, Remove) 1.0; a request setting capacity or size (a parameter
 *   named like capacity, size, count, instance type, memory, concurrency)
 *   0.95; any other change 0.7.
 *
 * The factor is 0.95, above a deployment's 0.9: a change outside Git had no
 * preview, no policy check and no review, and it leaves the stack drifted
 * from what Git says, so when both fit, the unreviewed one is the likelier.
 */

const REMOVAL = /^(Delete|Terminate|Stop|Detach|Deregister|Disable|Revoke|Remove)/;
const CAPACITY_PARAM = /capacity|size|count|instancetype|memory|concurrency/i;
/** At most this many parameters are quoted in the evidence. */
const MAX_PARAMS = 8;

function weightOf(c: StackChange): { weight: number; what: string } {
  if (REMOVAL.test(c.eventName)) return { weight: 1, what: 'a removal' };
  if (Object.keys(c.parameters).some((k) => CAPACITY_PARAM.test(k))) return { weight: 0.95, what: 'a capacity or size change' };
  return { weight: 0.7, what: 'a change' };
}

function describeParameters(parameters: Record<string, unknown>): string[] {
  const entries = Object.entries(parameters);
  const lines = entries.slice(0, MAX_PARAMS).map(([k, v]) => `set ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (entries.length > MAX_PARAMS) lines.push(`and ${entries.length - MAX_PARAMS} more parameters`);
  return lines;
}

export function manualChangeCauses(incident: Incident, changes: readonly StackChange[], o: Required<DiagnosisOptions>): ProbableCause[] {
  const causes: ProbableCause[] = [];
  for (const c of changes) {
    if (!c.manual) continue;
    const stackKey = c.stackKeys.includes(incident.stackKey) ? incident.stackKey : c.stackKeys.find((s) => incident.stacks.includes(s));
    if (stackKey === undefined) continue;
    const before = incident.onsetAt - c.at;
    if (before > o.lookbackMs || before < -o.afterOnsetGraceMs) continue;
    const proximity = before <= 0 ? 1 : 1 - (0.7 * before) / Math.max(o.lookbackMs, 1);
    const placement = stackKey === incident.stackKey ? 1 : 0.85;
    const { weight, what } = weightOf(c);
    const when = before >= 0 ? `${minutes(before)} before` : `${minutes(before)} after`;
    const target = c.resources[0] ?? stackKey;
    causes.push({
      kind: 'manual-change',
      confidence: round3(0.95 * weight * proximity * placement),
      evidence: [
        `${c.principal} called ${c.eventName} on ${c.resources.join(', ') || stackKey} at ${iso(c.at)}, ${when} the incident's onset at ${iso(incident.onsetAt)} (outside Git: no commit, no preview)`,
        ...describeParameters(c.parameters),
        ...topSignals(incident, undefined, 3).map((s) => `then anomalous: ${describeSignal(s)}`),
      ],
      stackKey,
      changeEvent: { id: c.id, at: c.at, principal: c.principal, eventName: c.eventName, resources: c.resources, parameters: c.parameters },
      explanation: `${c.principal} made ${what} to ${target} of ${stackKey} outside Git (${c.eventName}) ${when} the signals broke.`,
      check: `Ask ${c.principal} about ${c.eventName} (event ${c.id}); a drift check of ${stackKey} shows what differs from Git, and reconciling puts back what Git says.`,
    });
  }
  return causes;
}
