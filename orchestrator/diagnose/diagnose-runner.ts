import type { IncidentRecord, IncidentStore } from '../correlate/incident-store.ts';
import type { Incident } from '../correlate/incident.ts';
import { contextFrom, type StackContext } from '../correlate/stack-context.ts';
import { withTraceLinks } from '../correlate/trace-topology.ts';
import { dependentsOf, graphOfStatuses } from '../graph/stack-graph.ts';
import type { TraceGraph } from '../traces/trace-graph.ts';
import type { RunRecord } from '../records/run-record.ts';
import type { RunStore } from '../records/run-store.ts';
import type { StackStatus } from '../records/stack-status.ts';
import { seriesOf } from '../telemetry/index.ts';
import type { ChangeStore } from '../changes/change-store.ts';
import type { StackChange } from '../changes/stack-resources.ts';
import { diagnose } from './diagnose.ts';
import { resolveDiagnosisOptions } from './diagnosis-options.ts';
import type { DiagnosisOptions } from './diagnosis-options.ts';
import { digestOf, extentOf, freshnessOf, ongoingIncident, type AnalysisContext, type AnalysisInputs, type Freshness, type IncidentAnalysis } from './incident-analysis.ts';
import type { LogTemplateEvidence } from './log-template.ts';
import type { ProbableCause } from './probable-cause.ts';
import type { SignalSeries } from './signal-series.ts';

/**
 * The diagnose stage's I/O edge: the one place an incident's context is
 * built and its diagnosis made (`analyseIncident`, called by the correlate
 * worker on each incident change), and where a later stage gets them back
 * (`analysisOf`: the stored ones while their inputs have not moved).
 */

export interface DiagnoseRunnerDeps {
  runs: RunStore;
  incidents: IncidentStore;
  /** Windows of the diagnosis rules; defaults from diagnosis-options.ts. */
  diagnosis?: DiagnosisOptions;
  /** Told of each context built and diagnosis made, with the incident's id (counts for tests and debugging). */
  onAnalysis?: (incidentId: string) => void;
  /** The latest service graph from traces, if a receiver saved one: its edges join the topology. */
  traceGraph?: () => Promise<TraceGraph | undefined>;
  /** Changes made outside Git (change events), for the manual-change rule; default none. */
  changes?: Pick<ChangeStore, 'since'>;
}

/** The stacks' context with the service graph from traces, when there is one. */
export type AnalysisContextOf = StackContext & { traces?: TraceGraph };

/** The stacks' context from the deploy records, with the trace graph's edges in its topology. */
export async function stackContextOf(deps: Pick<DiagnoseRunnerDeps, 'traceGraph'>, records: DeployRecords): Promise<AnalysisContextOf> {
  const base = contextFrom(records.statuses, records.runs);
  const traces = await deps.traceGraph?.();
  return traces ? { ...base, topology: withTraceLinks(base.topology, traces), traces } : base;
}

/** The deploy stage's records the stacks' context is built from. */
export interface DeployRecords {
  statuses: StackStatus[];
  runs: RunRecord[];
}

/** An incident's diagnosis with its analysis, and the recent values it was made with. */
export interface Analysed {
  causes: ProbableCause[];
  summary: string;
  analysis: IncidentAnalysis;
  /** The recent values of the incident's stacks, as read for it. */
  values: SignalSeries[];
}

export async function readDeployRecords(runs: RunStore): Promise<DeployRecords> {
  const [statuses, list] = await Promise.all([runs.statuses(), runs.list({ limit: 200 })]);
  return { statuses, runs: list };
}

/** The version of the deploy records, without building the context from them. */
function recordsDigest(records: DeployRecords): string {
  return digestOf(JSON.stringify(records));
}

/** Every stack of the incident: one opened by an alarm alone has no signals yet, but its values are evidence. */
export function stacksOf(incident: Incident): Set<string> {
  return new Set([incident.stackKey, ...incident.stacks, ...incident.signals.map((s) => s.stackKey)]);
}

/** Reads each series' recent points once. */
async function readSeries(incidents: IncidentStore, series: AnalysisContext['series']): Promise<SignalSeries[]> {
  const out: SignalSeries[] = [];
  for (const s of series) out.push({ stackKey: s.stackKey, signalId: s.signalId, points: await incidents.recent(s.seriesId) });
  return out;
}

/** The newest point of the incident's own series (read again: a signal may lie outside the stacks' contracts). */
async function dataThroughOf(incidents: IncidentStore, incident: Incident): Promise<number> {
  let newest = 0;
  for (const id of new Set(incident.signals.map((s) => s.seriesId))) newest = Math.max(newest, (await incidents.recent(id)).at(-1)?.timestamp ?? 0);
  return newest;
}

/** The changes made outside Git from as far back as a suspect change can be. */
async function changesOf(deps: DiagnoseRunnerDeps, incident: Incident): Promise<StackChange[]> {
  return deps.changes ? deps.changes.since(incident.onsetAt - resolveDiagnosisOptions(deps.diagnosis).lookbackMs) : [];
}

async function othersOf(incidents: IncidentStore, incident: Incident): Promise<Incident[]> {
  return (await incidents.list(50)).map((r) => r.incident).filter((i) => i.id !== incident.id);
}

/** What an analysis may be given besides the deploy records. */
export interface AnalysisExtras {
  /** The stacks' context, when the caller built it from the same records; else built here. */
  ctx?: AnalysisContextOf;
  /** The log templates behind the incident (the log stage's evidence), error-level and new ones first. */
  logTemplates?: LogTemplateEvidence[];
}

/**
 * The incident's diagnosis against the stacks' context, the recent values
 * of every stack it touches and the log lines behind it, with the versions
 * of all of it.
 */
export async function analyseIncident(deps: DiagnoseRunnerDeps, incident: Incident, records: DeployRecords, extras: AnalysisExtras = {}): Promise<Analysed> {
  const ctx = extras.ctx ?? (await stackContextOf(deps, records));
  const stacks = stacksOf(incident);
  const series = seriesOf(ctx.watched.filter((w) => stacks.has(w.stackKey))).map((s) => ({ stackKey: s.stackKey, signalId: s.signalId, seriesId: s.seriesId }));
  const values = await readSeries(deps.incidents, series);
  const dataThrough = await dataThroughOf(deps.incidents, incident);
  const others = await othersOf(deps.incidents, incident);
  const changes = await changesOf(deps, incident);
  deps.onAnalysis?.(incident.id);
  const { causes, summary } = diagnose(ongoingIncident(incident, dataThrough), { topology: ctx.topology, deployments: ctx.deployments, incidents: others, recentValues: values, changes, logTemplates: extras.logTemplates ?? [], ...(ctx.traces ? { traces: ctx.traces } : {}) }, deps.diagnosis);
  const graph = graphOfStatuses(records.statuses);
  const extent = extentOf(values);
  const analysis: IncidentAnalysis = {
    inputs: { incidentUpdatedAt: incident.updatedAt, dataThrough, valuesThrough: extent.through, valueCount: extent.count, records: recordsDigest(records), others: digestOf(JSON.stringify(others)), changes: digestOf(JSON.stringify(changes)) },
    context: {
      series,
      deployments: ctx.deployments.filter((d) => stacks.has(d.stackKey)),
      dependents: Object.fromEntries([...stacks].map((s) => [s, dependentsOf(graph, s)])),
    },
  };
  return { causes, summary, analysis, values };
}

/** The versions of the stored analysis' inputs as they stand now, and the values read to learn them. */
async function currentInputs(deps: DiagnoseRunnerDeps, incident: Incident, stored: IncidentAnalysis, records: DeployRecords): Promise<{ inputs: AnalysisInputs; values: SignalSeries[] }> {
  const values = await readSeries(deps.incidents, stored.context.series);
  const extent = extentOf(values);
  const inputs: AnalysisInputs = {
    incidentUpdatedAt: incident.updatedAt,
    dataThrough: await dataThroughOf(deps.incidents, incident),
    valuesThrough: extent.through,
    valueCount: extent.count,
    records: recordsDigest(records),
    others: digestOf(JSON.stringify(await othersOf(deps.incidents, incident))),
    changes: digestOf(JSON.stringify(await changesOf(deps, incident))),
  };
  return { inputs, values };
}

/**
 * The incident's analysis for a later stage: the stored one while its inputs
 * are unchanged, else a new one (not stored: the correlate worker is the
 * incident record's one writer).
 *
 * The fallback stays because the inputs do move between the incident's last
 * change and the reader: new points arrive every poll, and an open incident
 * is diagnosed as lasting until the newest one (its detectors stop calling a
 * level that persists anomalous); a deploy or another incident can change
 * the context too. Reading the stored one regardless would act on an older
 * picture than before this stage read it.
 */
export async function analysisOf(deps: DiagnoseRunnerDeps, record: IncidentRecord, records: DeployRecords): Promise<Analysed & { freshness: Freshness }> {
  const stored = record.analysis;
  // Made again, it reads the log lines the correlate worker stored with the incident.
  const again = { logTemplates: record.logs ?? [] };
  if (stored) {
    const current = await currentInputs(deps, record.incident, stored, records);
    const freshness = freshnessOf(stored.inputs, current.inputs);
    if (freshness.fresh) return { causes: record.causes, summary: record.summary, analysis: stored, values: current.values, freshness };
    return { ...(await analyseIncident(deps, record.incident, records, again)), freshness };
  }
  return { ...(await analyseIncident(deps, record.incident, records, again)), freshness: { fresh: false, reason: 'absent' } };
}
