import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CorrelationInputSchema, closeIncident, isPredictedOnly, step, withRoles, type CorrelationInput, type IncidentEvent } from './index.ts';
import type { ChangeStore } from '../changes/change-store.ts';
import { resolveDiagnosisOptions, type DiagnosisOptions } from '../diagnose/index.ts';
import { analyseIncident, readDeployRecords, stackContextOf, stacksOf, type AnalysisContextOf, type DeployRecords } from '../diagnose/diagnose-runner.ts';
import type { TraceGraph } from '../traces/trace-graph.ts';
import type { StackLock } from '../queue/stack-lock.ts';
import type { RunStore } from '../records/run-store.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { startAnalysisTicks } from './analysis-tick-queue.ts';
import { SIGNAL_QUEUE } from './signal-queue.ts';
import type { IncidentRecord, IncidentStore } from './incident-store.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';
import type { LogEvidenceStore } from '../logs/log-evidence-store.ts';
import { incidentLogs, logHeadlines } from '../logs/log-evidence.ts';

export interface CorrelateWorkerDeps {
  connection: Redis;
  prefix?: string;
  runs: RunStore;
  incidents: IncidentStore;
  /** One analysis at a time across processes: the tracker state has one writer. */
  lock: StackLock;
  emit?: TimelineSink;
  /** Called with each incident event after its diagnosis (the remediation stage). */
  onIncident?: (event: IncidentEvent, record: IncidentRecord) => Promise<void> | void;
  /** Incident grouping window and quiet period, ms; defaults from the tracker. */
  tracker?: { windowMs?: number; quietMs?: number };
  /** Windows of the diagnosis rules; defaults from diagnose/diagnosis-options.ts. */
  diagnosis?: DiagnosisOptions;
  /** Told of each incident analysis (context and diagnosis) made, with the incident's id: counts for tests. */
  onAnalysis?: (incidentId: string) => void;
  /** The log templates the log stage recorded: shown with incidents, and read by the diagnosis. */
  logs?: LogEvidenceStore;
  /** The latest service graph from traces (its edges join the topology; diagnosis reads their latency). */
  traceGraph?: () => Promise<TraceGraph | undefined>;
  /** Changes made outside Git (change events), for the diagnosis; default none. */
  changes?: Pick<ChangeStore, 'since'>;
}

/**
 * The correlate worker: takes anomalies and alarm states off the signal queue,
 * folds them into incidents (grouping, updates, resolution), diagnoses each
 * incident it touched against the stacks' context, and records it.
 */
export function startCorrelateWorker(deps: CorrelateWorkerDeps) {
  const emit = deps.emit ?? (() => {});

  async function analyse(inputs: CorrelationInput[]): Promise<void> {
    const records = await readDeployRecords(deps.runs);
    const ctx = await stackContextOf(deps, records);
    const withKnownRoles = inputs.map((i) => (i.kind === 'anomaly' ? { kind: 'anomaly' as const, anomaly: withRoles([i.anomaly], ctx.topology)[0]! } : i));
    const state = await deps.incidents.trackerState();
    const result = step(state, withKnownRoles, Date.now(), { topology: ctx.topology, ...deps.tracker });
    await deps.incidents.saveTrackerState(result.state);

    for (const event of result.incidentEvents) {
      const record = await diagnosed(deps, records, ctx, event);
      await deps.incidents.save(record);
      emit(incidentTimelineEvent(event, record));
      await deps.onIncident?.(event, record);
    }
  }

  /** Runs `work` holding the analysis lease (the tracker state has one writer), waiting for it if need be. */
  async function withLease<T>(work: () => Promise<T>): Promise<T | undefined> {
    for (let tries = 0; tries < 100; tries++) {
      const lease = await deps.lock.tryAcquire('aiops/analysis', `analysis-${process.pid}`);
      if (lease) {
        try {
          return await work();
        } finally {
          await lease.release();
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  // Incidents resolve when their quiet period has passed, even when no new signal arrives to say so.
  const tickMs = Math.max(1000, Math.min(30_000, Math.floor((deps.tracker?.quietMs ?? 900_000) / 4)));
  const ticker = startAnalysisTicks({ connection: deps.connection, prefix: deps.prefix ?? 'homeostat', everyMs: tickMs, tick: () => withLease(() => analyse([])), emit });

  const worker = new Worker<CorrelationInput>(
    SIGNAL_QUEUE,
    async (job: Job<CorrelationInput>, token?: string) => {
      const input = CorrelationInputSchema.parse(job.data);
      const lease = await deps.lock.tryAcquire('aiops/analysis', `analysis-${process.pid}`);
      if (!lease) {
        await job.moveToDelayed(Date.now() + 200, token);
        throw new DelayedError();
      }
      try {
        if (input.kind === 'anomaly') {
          const a = input.anomaly;
          emit(timelineEvent('anomaly', `${a.signalId} = ${a.value} (score ${a.score.toFixed(2)})`, { stack: a.stackKey.split('/').pop() ?? a.stackKey, details: { seriesId: a.seriesId, at: new Date(a.timestamp).toISOString() } }));
        }
        await analyse([input]);
      } finally {
        await lease.release();
      }
    },
    { connection: deps.connection, prefix: deps.prefix ?? 'homeostat', concurrency: 1 },
  );
  worker.on('error', throttledErrors((err) => emit(timelineEvent('error', `analysis worker: ${err.message}`))));
  return {
    /** Ends an incident on purpose (a remediation verified as effective) and records it. */
    async resolveIncident(id: string, reason: string): Promise<void> {
      await withLease(async () => {
        const { state, event } = closeIncident(await deps.incidents.trackerState(), id, Date.now(), reason, deps.tracker ?? {});
        if (!event) return;
        await deps.incidents.saveTrackerState(state);
        const record = await deps.incidents.get(id);
        if (record) await deps.incidents.save({ ...record, incident: event.incident, updatedAt: new Date().toISOString() });
        emit(timelineEvent('incident', `resolved ${id}: ${reason}`, { incident: id, stack: event.incident.stackKey.split('/').pop() ?? event.incident.stackKey, outcome: 'resolved' }));
      });
    },
    async close() {
      await ticker.stop();
      await worker.close();
    },
  };
}

/**
 * The incident of `event` with its probable causes and their analysis (input
 * versions and context), and the log lines behind it, stored together so
 * later stages read them rather than diagnose again.
 */
async function diagnosed(deps: CorrelateWorkerDeps, records: DeployRecords, ctx: AnalysisContextOf, event: IncidentEvent): Promise<IncidentRecord> {
  const incident = event.incident;
  const o = resolveDiagnosisOptions(deps.diagnosis);
  // Lines from as far back as a suspect deploy can be, to the grace after the incident last broke.
  const window = { lookbackMs: o.lookbackMs, graceMs: o.afterOnsetGraceMs };
  const logTemplates = deps.logs ? incidentLogs(incident, await deps.logs.forStacks([...stacksOf(incident)]), { ...window, maxTemplates: 50 }) : [];
  const { causes, summary, analysis } = await analyseIncident(deps, incident, records, { ctx, logTemplates });
  const logs = logTemplates.slice(0, 5);
  return { incident, causes, summary, analysis, ...(logs.length ? { logs } : {}), updatedAt: new Date().toISOString() };
}

/** The timeline's line for an incident event: its top cause and, while a predicted incident is open, its forecast. */
function incidentTimelineEvent(event: IncidentEvent, record: IncidentRecord) {
  const incident = event.incident;
  const top = record.causes[0];
  const stack = [...new Set([...incident.stacks, ...incident.signals.map((s) => s.stackKey)])][0];
  const predictedOnly = isPredictedOnly(incident);
  // The forecast says something only while the incident is open.
  const forecast = predictedOnly && event.type !== 'resolved' ? incident.predictions?.[0] : undefined;
  const logs = logHeadlines(record.logs ?? []);
  const details = { ...(incident.predicted ? { predicted: true, predictedOnly } : {}), ...(logs.length ? { logs } : {}) };
  return timelineEvent(
    'incident',
    `${event.type}${predictedOnly ? ' (predicted)' : ''} ${incident.id}: ${top ? `${top.kind} (${top.confidence.toFixed(2)})${top.commit ? ` ${top.commit.slice(0, 12)}` : ''}` : 'cause unknown'}${forecast ? `; ${forecast.signalId}: ${forecast.summary}` : ''}`,
    {
      incident: incident.id,
      ...(stack ? { stack: stack.split('/').pop() } : {}),
      ...(top?.commit ? { commit: top.commit } : {}),
      ...(top ? { confidence: top.confidence } : {}),
      outcome: event.type,
      ...(Object.keys(details).length ? { details } : {}),
    },
  );
}
