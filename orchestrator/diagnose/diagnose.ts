import type { Incident } from '../correlate/incident.ts';
import { deploymentCauses } from './deployment-rule.ts';
import { dependencyCauses } from './dependency-rule.ts';
import { manualChangeCauses } from './manual-change-rule.ts';
import { describeSignal, iso, round3, shortCommit, topSignals } from './describe.ts';
import { resolveDiagnosisOptions } from './diagnosis-options.ts';
import type { DiagnosisOptions } from './diagnosis-options.ts';
import type { CauseKind, Diagnosis, DiagnosisContext, ProbableCause } from './probable-cause.ts';
import { predictedSaturationCauses } from './predicted-saturation-rule.ts';
import { saturationCauses } from './saturation-rule.ts';
import { traceDependencyCauses } from './trace-dependency-rule.ts';

/**
 * Diagnosis: the probable causes of an incident, ranked. Pure: the incident
 * and its context in, the causes and a summary out. Each rule (deployment or
 * config change, saturation, dependency) lives in its own file and documents
 * its confidence formula; they share one scale, so a cause of one kind can
 * be compared with a cause of another. `unknown` is always added:
 *
 *   unknown = clamp(0.3 x (1 - best other confidence), 0.05, 0.3)
 */

/** Order among equal confidences: the more actionable kind first. */
const KIND_ORDER: Record<CauseKind, number> = { deployment: 0, 'config-change': 1, 'manual-change': 2, dependency: 3, saturation: 4, unknown: 5 };

function byRank(a: ProbableCause, b: ProbableCause): number {
  return (
    b.confidence - a.confidence ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.stackKey ?? '').localeCompare(b.stackKey ?? '', 'en') ||
    (a.commit ?? a.dependencyIncident ?? a.changeEvent?.id ?? '').localeCompare(b.commit ?? b.dependencyIncident ?? b.changeEvent?.id ?? '', 'en')
  );
}

function unknownCause(incident: Incident, best: number): ProbableCause {
  return {
    kind: 'unknown',
    confidence: round3(Math.min(0.3, Math.max(0.05, 0.3 * (1 - best)))),
    evidence: topSignals(incident, undefined, 3).map((s) => `anomalous: ${describeSignal(s)}`),
    stackKey: incident.stackKey,
    explanation:
      best > 0
        ? 'None of the rules may be right: the cause can lie outside what Homeostat sees.'
        : 'No recent deployment, config change, manual change, saturation or dependency incident explains the signals.',
    check: `Look at the signals of ${incident.stackKey} directly, from ${iso(incident.onsetAt)}.`,
  };
}

/** The ranked probable causes of `incident`, most confident first, with a summary. */
export function diagnose(incident: Incident, context: DiagnosisContext, options: DiagnosisOptions = {}): Diagnosis {
  const o = resolveDiagnosisOptions(options);
  const causes = [
    ...deploymentCauses(incident, context.deployments ?? [], context.topology, o, context.logTemplates ?? []),
    ...saturationCauses(incident, context.topology, context.recentValues ?? [], o),
    ...predictedSaturationCauses(incident, context.topology),
    ...dependencyCauses(incident, context.incidents ?? [], context.topology, o),
    ...traceDependencyCauses(incident, context.traces, o),
    ...manualChangeCauses(incident, context.changes ?? [], o),
  ];
  const best = causes.reduce((m, c) => Math.max(m, c.confidence), 0);
  causes.push(unknownCause(incident, best));
  causes.sort(byRank);
  return { incidentId: incident.id, causes, summary: summarise(incident, causes) };
}

function headline(c: ProbableCause): string {
  switch (c.kind) {
    case 'deployment':
    case 'config-change':
      return `${c.kind} of commit ${shortCommit(c.commit ?? '?')} to ${c.stackKey ?? '?'}`;
    case 'dependency':
      return c.service ? `dependency ${c.service} (traces, on ${c.stackKey ?? '?'})` : `dependency ${c.stackKey ?? '?'} (incident ${c.dependencyIncident ?? '?'})`;
    case 'saturation':
      return `${c.predicted ? 'predicted ' : ''}saturation of ${c.stackKey ?? '?'}${c.signalId ? ` (${c.signalId})` : ''}`;
    case 'manual-change':
      return `manual change ${c.changeEvent?.eventName ?? '?'} to ${c.stackKey ?? '?'} by ${c.changeEvent?.principal ?? '?'}`;
    case 'unknown':
      return 'unknown';
  }
}

/** A few lines for a person: what broke, the top cause with its evidence, how to check it, and the runners-up. */
export function summarise(incident: Incident, causes: readonly ProbableCause[]): string {
  const top = causes[0];
  const alarms = incident.alarms.length > 0 ? ` and ${incident.alarms.length} alarm${incident.alarms.length === 1 ? '' : 's'}` : '';
  const predictions = incident.predictions?.length ?? 0;
  const forecast = predictions > 0 ? ` and ${predictions} signal${predictions === 1 ? '' : 's'} forecast to reach its limit` : '';
  const lines = [
    `${incident.predicted ? 'Predicted incident' : 'Incident'} ${incident.id}: ${incident.signals.length} anomalous signal${incident.signals.length === 1 ? '' : 's'}${alarms}${forecast} on ${incident.stacks.length} stack${incident.stacks.length === 1 ? '' : 's'} (${incident.stacks.join(', ')}) since ${iso(incident.onsetAt)}.`,
  ];
  if (top) {
    lines.push(`Most likely (${top.confidence.toFixed(2)}): ${headline(top)}. ${top.explanation}`);
    for (const e of top.evidence.slice(0, 4)) lines.push(`  - ${e}`);
    lines.push(`Check: ${top.check}`);
  }
  const rest = causes.slice(1, 4).map((c) => `${headline(c)} ${c.confidence.toFixed(2)}`);
  if (rest.length > 0) lines.push(`Also considered: ${rest.join('; ')}.`);
  return lines.join('\n');
}
