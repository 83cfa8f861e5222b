import type { Incident } from '../correlate/incident.ts';
import type { Topology } from '../correlate/topology.ts';
import { clamp01, iso, num, round3 } from './describe.ts';
import type { DiagnosisOptions } from './diagnosis-options.ts';
import type { ProbableCause } from './probable-cause.ts';
import { maxBetween, meanBetween } from './signal-series.ts';
import type { SignalSeries } from './signal-series.ts';

/**
 * Rule: a stack running out of capacity because demand rose.
 *
 * For each stack of the incident, the fullest utilisation or saturation
 * signal with a `limit` is taken: its level is the largest value in the
 * anomaly window (`leadMs` before the onset to the last abnormal point),
 * from the recent values or the incident's own points. It is near its limit
 * at `nearLimitRatio` of it. Demand is the strongest demand signal's mean in
 * the anomaly window over its mean in the `baselineMs` before; it rises at
 * `demandRiseRatio`.
 *
 *   fill   = clamp((level / limit - near) / (1 - near))    95% of limit: 0.75
 *   rise   = clamp(demand ratio - 1)                       2x: 1
 *   near limit, demand rising:     0.45 + 0.2 fill + 0.3 rise   (95%, 2x: 0.9)
 *   near limit, demand not rising: 0.2 + 0.15 fill             (at most 0.35:
 *     something else ate the capacity, often a deployment)
 *   near limit, demand unknown:    0.25 + 0.15 fill (0.35 + 0.15 fill when a
 *     demand signal was itself anomalous upwards)
 */
export function saturationCauses(incident: Incident, topology: Topology, recent: readonly SignalSeries[], o: Required<DiagnosisOptions>): ProbableCause[] {
  const from = incident.onsetAt - o.leadMs;
  const to = Math.max(incident.lastAbnormalAt, incident.onsetAt);
  const seriesOf = (stackKey: string, signalId: string): SignalSeries | undefined =>
    recent.find((s) => s.stackKey === stackKey && s.signalId === signalId);
  const causes: ProbableCause[] = [];

  for (const stackKey of incident.stacks) {
    const contract = topology.stacks[stackKey]?.contract;
    if (!contract) continue;

    // Fullest capacity signal.
    let fullest: { id: string; level: number; limit: number; fill: number } | undefined;
    for (const sg of contract.healthSignals) {
      if ((sg.role !== 'utilisation' && sg.role !== 'saturation') || sg.limit === undefined || sg.limit <= 0 || !sg.higherIsWorse) continue;
      const own = incident.signals.filter((s) => s.stackKey === stackKey && s.signalId === sg.id);
      const levels = [maxBetween(seriesOf(stackKey, sg.id), from, to), ...own.flatMap((s) => [s.peakValue, s.lastValue])].filter(
        (v): v is number => v !== undefined,
      );
      if (levels.length === 0) continue;
      const level = Math.max(...levels);
      const fill = level / sg.limit;
      if (!fullest || fill > fullest.fill) fullest = { id: sg.id, level, limit: sg.limit, fill };
    }
    if (!fullest || fullest.fill < o.nearLimitRatio) continue;

    // Strongest demand rise.
    let demand: { id: string; now: number; before: number; ratio: number } | undefined;
    let demandKnown = false;
    for (const sg of contract.healthSignals) {
      if (sg.role !== 'demand') continue;
      const series = seriesOf(stackKey, sg.id);
      const now = meanBetween(series, from, to + 1);
      const before = meanBetween(series, from - o.baselineMs, from);
      if (now === undefined || before === undefined || before <= 0) continue;
      demandKnown = true;
      const ratio = now / before;
      if (!demand || ratio > demand.ratio) demand = { id: sg.id, now, before, ratio };
    }
    const demandAnomaly = incident.signals.find((s) => s.stackKey === stackKey && s.role === 'demand' && s.lastValue >= s.firstValue);

    const fill = clamp01((fullest.fill - o.nearLimitRatio) / Math.max(1 - o.nearLimitRatio, 1e-9));
    const rising = demand !== undefined && demand.ratio >= o.demandRiseRatio;
    let confidence: number;
    if (rising) confidence = 0.45 + 0.2 * fill + 0.3 * clamp01(demand!.ratio - 1);
    else if (demandKnown) confidence = 0.2 + 0.15 * fill;
    else confidence = (demandAnomaly ? 0.35 : 0.25) + 0.15 * fill;

    const pct = Math.round(fullest.fill * 100);
    const evidence = [`${fullest.id} on ${stackKey} reached ${num(fullest.level)} (${pct}% of its limit ${num(fullest.limit)}) between ${iso(from)} and ${iso(to)}`];
    if (demand) {
      evidence.push(
        `${demand.id} on ${stackKey} averaged ${num(demand.now)} in the anomaly window against ${num(demand.before)} before it (${num(Math.round(demand.ratio * 100) / 100)}x)`,
      );
    } else if (demandAnomaly) {
      evidence.push(`${demandAnomaly.signalId} on ${stackKey} was anomalous: ${num(demandAnomaly.firstValue)} -> ${num(demandAnomaly.lastValue)} (no baseline values given)`);
    } else {
      evidence.push(`no demand values for ${stackKey} to compare with`);
    }
    const capacityKey = contract.remediable.find((k) => k.purpose === 'capacity' || k.purpose === 'size');
    causes.push({
      kind: 'saturation',
      confidence: round3(confidence),
      evidence,
      stackKey,
      signalId: fullest.id,
      explanation: rising
        ? `${stackKey} is at ${pct}% of its ${fullest.id} limit while ${demand!.id} rose ${num(Math.round(demand!.ratio * 100) / 100)}x: more demand than capacity.`
        : `${stackKey} is at ${pct}% of its ${fullest.id} limit, but demand did not clearly rise: something else may be using the capacity.`,
      check: capacityKey
        ? `Compare ${stackKey}'s demand with its capacity (${capacityKey.key} = ${String(capacityKey.current)}); raising it should relieve ${fullest.id}.`
        : `Compare ${stackKey}'s demand with its capacity.`,
    });
  }
  return causes;
}
