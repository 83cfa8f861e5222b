import type { Incident } from '../correlate/incident.ts';
import type { IncidentPrediction } from '../correlate/predicted-breach.ts';
import type { Topology } from '../correlate/topology.ts';
import { iso, minutes, num, round3 } from './describe.ts';
import type { ProbableCause } from './probable-cause.ts';

/**
 * Rule: a stack about to run out of room, as its forecast says. For each
 * series of the incident still forecast to breach (its latest prediction),
 * on a stack whose contract declares the signal, a `saturation` cause marked
 * `predicted`, naming the signal; the most confident per stack.
 *
 *   confidence = 0.45 + 0.45 x the prediction's confidence      (0.9: 0.855, 0.99: 0.896)
 *
 * It is on one scale with the observed rules: a forecast at 90% confidence
 * ranks about like a stack at 95% of its limit under rising demand (0.9,
 * saturation-rule.ts), and below a fresh deployment that explains observed
 * errors. Only an incident that holds predictions gets these causes.
 */
export function predictedSaturationCauses(incident: Incident, topology: Topology): ProbableCause[] {
  const best = new Map<string, IncidentPrediction>();
  for (const p of incident.predictions ?? []) {
    const signal = topology.stacks[p.stackKey]?.contract.healthSignals.find((s) => s.id === p.signalId);
    if (!signal) continue;
    const held = best.get(p.stackKey);
    if (!held || p.confidence > held.confidence || (p.confidence === held.confidence && p.breachAt < held.breachAt)) best.set(p.stackKey, p);
  }
  const causes: ProbableCause[] = [];
  for (const [stackKey, p] of best) {
    const towards = p.direction === 'up' ? 'up to' : 'down to';
    const eta = `${minutes(p.timeToBreachMs)} (${minutes(p.interval.earliestMs)} to ${minutes(p.interval.latestMs)})`;
    causes.push({
      kind: 'saturation',
      predicted: true,
      signalId: p.signalId,
      confidence: round3(0.45 + 0.45 * p.confidence),
      stackKey,
      evidence: [
        `${p.signalId} on ${stackKey} was ${num(p.lastValue)} at ${iso(p.lastPredictedAt)}, forecast to reach its limit ${num(p.limit)} in ${eta}, at about ${iso(p.breachAt)}`,
        `first forecast at ${iso(p.firstPredictedAt)}, ${p.points} forecast${p.points === 1 ? '' : 's'} in a row; ${Math.round(p.confidence * 100)}% confident it is past the limit within ${minutes(p.horizonMs)}`,
      ],
      explanation: `${p.signalId} on ${stackKey} is trending ${towards} its limit ${num(p.limit)} and is forecast to reach it in ${eta}: nothing has failed yet, but it will run out of room unless its capacity grows.`,
      check: `Look at ${p.signalId}'s trend on ${stackKey}: is it still climbing ${towards} ${num(p.limit)} at the same rate, and is that growth expected?`,
    });
  }
  return causes;
}
