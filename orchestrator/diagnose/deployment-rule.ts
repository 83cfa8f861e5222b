import type { Incident } from '../correlate/incident.ts';
import type { Topology } from '../correlate/topology.ts';
import { classifyChange } from './change-kind.ts';
import type { ChangeClass } from './change-kind.ts';
import { describeChange } from './deployment.ts';
import type { Deployment } from './deployment.ts';
import { describeSignal, iso, minutes, round3, shortCommit, topSignals } from './describe.ts';
import type { DiagnosisOptions } from './diagnosis-options.ts';
import { newErrorTemplatesAfter, type LogTemplateEvidence } from './log-template.ts';
import type { ProbableCause } from './probable-cause.ts';

/**
 * Rule: a deployment or config change shortly before the onset.
 *
 * Suspects are deployments to any stack of the incident applied between
 * `lookbackMs` before the onset and `afterOnsetGraceMs` after it.
 *
 *   confidence = 0.9 x weight x proximity x placement
 *
 * - proximity falls linearly from 1 (at or after the onset) to 0.3 at the
 *   edge of the lookback: 2 min before is 0.95, 10 min 0.77, 30 min 0.3.
 * - weight is that of the weightiest change: a new version or image 1.0; a
 *   capacity or size cut 0.95; another capacity or size change 0.6; any other
 *   property 0.55; a deployment without recorded changes 0.45.
 * - placement is 1 on the stack where the incident started, 0.85 on another
 *   of its stacks.
 *
 * The kind is `deployment` when a version changed (or nothing capacity-like
 * did), `config-change` when the weightiest change is capacity or size.
 *
 * Logs: an error-level log template never seen before that appears on the
 * deployed stack after the apply (or up to `afterOnsetGraceMs` before its run
 * finished, while it rolled out; within the lookback, before the incident
 * last turned abnormal, and before any later apply there) is code the
 * deployment brought, so it halves the remaining doubt:
 *
 *   confidence' = 1 - (1 - confidence) x 0.5
 *
 * and the template, with a line of it, becomes evidence. One such template
 * or several count the same: they are usually one fault seen twice.
 */
export function deploymentCauses(incident: Incident, deployments: readonly Deployment[], topology: Topology, o: Required<DiagnosisOptions>, logs: readonly LogTemplateEvidence[] = []): ProbableCause[] {
  const causes: ProbableCause[] = [];
  for (const d of deployments) {
    if (!incident.stacks.includes(d.stackKey)) continue;
    const before = incident.onsetAt - d.appliedAt;
    if (before > o.lookbackMs || before < -o.afterOnsetGraceMs) continue;
    const proximity = before <= 0 ? 1 : 1 - (0.7 * before) / Math.max(o.lookbackMs, 1);
    const contract = topology.stacks[d.stackKey]?.contract;
    const classes = d.changes.map((c) => ({ change: c, cls: classifyChange(c, contract) }));
    const weightOf = (c: ChangeClass): number =>
      c.kind === 'version' ? 1 : c.kind === 'capacity' ? (c.direction === 'down' ? 0.95 : 0.6) : 0.55;
    const weight = classes.length === 0 ? 0.45 : Math.max(...classes.map((x) => weightOf(x.cls)));
    const hasVersion = classes.some((x) => x.cls.kind === 'version');
    const capacityLed = !hasVersion && classes.some((x) => x.cls.kind === 'capacity' && weightOf(x.cls) === weight);
    const placement = d.stackKey === incident.stackKey ? 1 : 0.85;
    const newErrors = newErrorTemplatesAfter(d, deployments, logs, o.lookbackMs, incident.lastAbnormalAt + o.afterOnsetGraceMs, o.afterOnsetGraceMs);
    const base = 0.9 * weight * proximity * placement;
    const confidence = round3(newErrors.length > 0 ? 1 - (1 - base) * 0.5 : base);

    const when = before >= 0 ? `${minutes(before)} before` : `${minutes(before)} after`;
    const commit = shortCommit(d.commit);
    const evidence = [
      `commit ${commit} applied to ${d.stackKey} at ${iso(d.appliedAt)}, ${when} the incident's onset at ${iso(incident.onsetAt)}`,
      ...classes.slice(0, 10).map((x) => `changed ${describeChange(x.change)} (${x.cls.kind === 'capacity' ? `capacity, ${x.cls.direction}` : x.cls.kind})`),
      ...(classes.length > 10 ? [`and ${classes.length - 10} more changes`] : []),
      ...newErrors.slice(0, 3).flatMap((l) => logEvidence(l, d.appliedAt)),
      ...topSignals(incident, undefined, 3).map((s) => `then anomalous: ${describeSignal(s)}`),
    ];
    const kind = capacityLed ? 'config-change' : 'deployment';
    const headline = classes.find((x) => (kind === 'config-change' ? x.cls.kind === 'capacity' : x.cls.kind === 'version'))?.change;
    causes.push({
      kind,
      confidence,
      evidence,
      stackKey: d.stackKey,
      commit: d.commit,
      diff: d.changes,
      explanation:
        kind === 'config-change'
          ? `Commit ${commit} changed capacity or size of ${d.stackKey}${headline ? ` (${describeChange(headline)})` : ''} ${when} the signals broke.`
          : hasVersion
            ? `Commit ${commit} rolled out a new version to ${d.stackKey}${headline ? ` (${describeChange(headline)})` : ''} ${when} the signals broke.`
            : `Commit ${commit} changed ${d.stackKey} ${when} the signals broke.`,
      check: `Read the diff of ${commit} (git show ${commit}) against the evidence; if it explains the signals, revert it (git revert ${commit}).`,
    });
  }
  return causes;
}

/** Evidence lines of a new error template: what it is, when it appeared, and a line of it. */
function logEvidence(l: LogTemplateEvidence, appliedAt: number): string[] {
  const line = l.lines.at(-1);
  return [
    `new error log template in ${l.group}, first seen ${minutes(l.firstSeenAt! - appliedAt)} ${l.firstSeenAt! >= appliedAt ? 'after the apply' : 'before the apply finished, during its rollout'}: "${l.template}"`,
    ...(line !== undefined ? [`log line: ${line}`] : []),
  ];
}
