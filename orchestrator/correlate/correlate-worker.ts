import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CorrelationInputSchema, closeIncident, isPredictedOnly, step, withRoles, type CorrelationInput, type IncidentEvent } from './index.ts';
import type { ChangeStore } from '../changes/change-store.ts';
import { diagnose, resolveDiagnosisOptions, type DiagnosisOptions, type SignalSeries } from '../diagnose/index.ts';
import type { StackLock } from '../queue/stack-lock.ts';
import type { RunStore } from '../records/run-store.ts';
import { seriesOf } from '../telemetry/index.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { startAnalysisTicks } from './analysis-tick-queue.ts';
import { SIGNAL_QUEUE } from './signal-queue.ts';
import { contextFrom, type StackContext } from './stack-context.ts';
import type { IncidentRecord, IncidentStore } from './incident-store.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';

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
    const [statuses, runs] = await Promise.all([deps.runs.statuses(), deps.runs.list({ limit: 200 })]);
    const ctx = contextFrom(statuses, runs);
    const withKnownRoles = inputs.map((i) => (i.kind === 'anomaly' ? { kind: 'anomaly' as const, anomaly: withRoles([i.anomaly], ctx.topology)[0]! } : i));
    const state = await deps.incidents.trackerState();
    const result = step(state, withKnownRoles, Date.now(), { topology: ctx.topology, ...deps.tracker });
    await deps.incidents.saveTrackerState(result.state);

    for (const event of result.incidentEvents) {
      const record = await diagnosed(deps, ctx, event);
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

/** The incident of `event` with its probable causes, diagnosed against the stacks' context and the recent values of every stack it touches. */
async function diagnosed(deps: CorrelateWorkerDeps, ctx: StackContext, event: IncidentEvent): Promise<IncidentRecord> {
  const incident = event.incident;
  // Every stack of the incident: one opened by an alarm alone has no signals yet, but its values are evidence.
  const stacks = new Set([...incident.stacks, ...incident.signals.map((s) => s.stackKey)]);
  const recentValues: SignalSeries[] = [];
  for (const spec of seriesOf(ctx.watched.filter((w) => stacks.has(w.stackKey)))) {
    recentValues.push({ stackKey: spec.stackKey, signalId: spec.signalId, points: await deps.incidents.recent(spec.seriesId) });
  }
  const others = (await deps.incidents.list(50)).map((r) => r.incident).filter((i) => i.id !== incident.id);
  const changes = deps.changes ? await deps.changes.since(incident.onsetAt - resolveDiagnosisOptions(deps.diagnosis).lookbackMs) : [];
  const diagnosis = diagnose(incident, { topology: ctx.topology, deployments: ctx.deployments, incidents: others, recentValues, changes }, deps.diagnosis);
  return { incident, causes: diagnosis.causes, summary: diagnosis.summary, updatedAt: new Date().toISOString() };
}

/** The timeline's line for an incident event: its top cause and, while a predicted incident is open, its forecast. */
function incidentTimelineEvent(event: IncidentEvent, record: IncidentRecord) {
  const incident = event.incident;
  const top = record.causes[0];
  const stack = [...new Set([...incident.stacks, ...incident.signals.map((s) => s.stackKey)])][0];
  const predictedOnly = isPredictedOnly(incident);
  // The forecast says something only while the incident is open.
  const forecast = predictedOnly && event.type !== 'resolved' ? incident.predictions?.[0] : undefined;
  return timelineEvent(
    'incident',
    `${event.type}${predictedOnly ? ' (predicted)' : ''} ${incident.id}: ${top ? `${top.kind} (${top.confidence.toFixed(2)})${top.commit ? ` ${top.commit.slice(0, 12)}` : ''}` : 'cause unknown'}${forecast ? `; ${forecast.signalId}: ${forecast.summary}` : ''}`,
    {
      incident: incident.id,
      ...(stack ? { stack: stack.split('/').pop() } : {}),
      ...(top?.commit ? { commit: top.commit } : {}),
      ...(top ? { confidence: top.confidence } : {}),
      outcome: event.type,
      ...(incident.predicted ? { details: { predicted: true, predictedOnly } } : {}),
    },
  );
}
