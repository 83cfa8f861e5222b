import type { ServiceConfig } from '../config/service-config.ts';
import { createReaderTurn, processOwner } from '../runtime/reader-turn.ts';
import { startCorrelateWorker } from '../correlate/correlate-worker.ts';
import { createTraceGraphStore } from '../traces/trace-graph-store.ts';
import type { IncidentEvent } from '../correlate/index.ts';
import { contextFrom } from '../correlate/stack-context.ts';
import { forecastInput } from '../correlate/correlation-input.ts';
import { createRedisChangeStore } from '../changes/change-store.ts';
import { startDetectRunner, type DetectRunner } from '../detect/detect-runner.ts';
import type { DiagnosisOptions } from '../diagnose/index.ts';
import { remediationIdOf } from '../remediate/remediation-record.ts';
import { startRemediationWorker, type RemediationWorkerDeps } from '../remediate/remediation-worker.ts';
import { createForecastStage, createRedisTelemetryStore, type ForecastStage, type TelemetryStore } from '../telemetry/index.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import { createSignalHealthStore } from '../telemetry/signal-health-store.ts';
import { feedingForecasts } from './forecast-feed.ts';
import { createLogEvidenceStore } from '../logs/log-evidence-store.ts';
import { startLogStage } from './log-stage.ts';
import type { SharedParts } from './shared-parts.ts';

/**
 * The AIOps half of a worker process, where telemetry is enabled: the detect
 * runner (CloudWatch polls, detectors and forecasters), the correlate worker
 * that turns signals into incidents and, where remediation is enabled, the
 * remediation worker that acts on them.
 */
export interface AiopsStages {
  telemetry: DetectRunner;
  /** In the order they are to be stopped. */
  stops: (() => Promise<void> | void)[];
}

export function startAiopsStages(parts: SharedParts, options: { workerId?: string }): AiopsStages {
  const { config, emit } = parts;
  const t = config.telemetry;
  const diagnosis = diagnosisOptions(config);
  // One telemetry store for the forecasts and the remediation's read times: it holds nothing but the connection.
  const telemetryStore = createRedisTelemetryStore({ redis: parts.redis, prefix: parts.prefix });
  const logEvidence = createLogEvidenceStore(parts.redis, { prefix: parts.prefix });
  const traceGraphs = createTraceGraphStore(parts.redis, parts.prefix);
  // Every process diagnoses with the recorded changes, whether or not it reads the queue itself.
  const changes = createRedisChangeStore({ redis: parts.redis, prefix: parts.prefix, retainMs: config.changeEvents.retainHours * 3_600_000 });
  const analysis = startCorrelateWorker({
    connection: parts.redis,
    prefix: parts.prefix,
    runs: parts.store,
    incidents: parts.incidents,
    lock: parts.stackLock(),
    emit,
    tracker: { windowMs: t.incidentWindowSeconds * 1000, quietMs: t.incidentQuietSeconds * 1000 },
    diagnosis,
    logs: logEvidence,
    // The graph a trace receiver saved (none when no process receives spans): its edges join the topology.
    traceGraph: () => traceGraphs.load(),
    changes,
    ...(config.remediation.enabled ? { onIncident: (event: IncidentEvent) => queueRemediation(parts, event) } : {}),
  });
  const forecasts = config.forecast.enabled ? forecastStage(parts, telemetryStore) : undefined;
  const owner = processOwner(options.workerId);
  const turn = (name: string) => createReaderTurn(parts.redis, { prefix: parts.prefix, name, owner });
  const telemetry = startDetectRunner({
    redis: parts.redis,
    prefix: parts.prefix,
    runs: parts.store,
    incidents: forecasts ? feedingForecasts(parts.incidents, forecasts) : parts.incidents,
    signals: parts.signals,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    ...(t.region ? { region: t.region } : {}),
    pollIntervalMs: t.pollIntervalSeconds * 1000,
    pollerOptions: { initialLookbackMs: t.initialLookbackSeconds * 1000, maxLookbackMs: Math.max(t.initialLookbackSeconds * 1000, 24 * 3600 * 1000), settleMs: t.settleSeconds * 1000 },
    emit,
    turn: turn('metrics'),
    ...(forecasts ? { onTurnTaken: () => forecasts.forget() } : {}),
    // Several poll intervals: a reader that stopped or died leaves no list standing as if fresh.
    sharedHealth: { store: createSignalHealthStore(parts.redis, { prefix: parts.prefix, ttlMs: Math.max(30_000, 3 * t.pollIntervalSeconds * 1000) }), readBy: owner },
  });
  telemetry.start();
  const logs = startLogStage(parts, {
    evidence: logEvidence,
    pollIntervalMs: t.pollIntervalSeconds * 1000,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    ...(t.region ? { region: t.region } : {}),
    initialLookbackMs: t.initialLookbackSeconds * 1000,
    settleMs: t.settleSeconds * 1000,
    turn: turn('logs'),
  });
  const stops: AiopsStages['stops'] = [() => telemetry.stop(), () => logs.stop(), () => analysis.close()];
  if (config.remediation.enabled) {
    const remediation = startRemediation(parts, { telemetryStore, diagnosis, traceGraph: () => traceGraphs.load(), changes, resolveIncident: (id, reason) => analysis.resolveIncident(id, reason), ...options });
    stops.push(() => remediation.close());
  }
  return { telemetry, stops };
}

/** The remediation worker, acting on incidents with the analysis' parts. */
function startRemediation(
  parts: SharedParts,
  o: Pick<RemediationWorkerDeps, 'diagnosis' | 'traceGraph' | 'changes' | 'resolveIncident'> & { telemetryStore: TelemetryStore; workerId?: string },
) {
  const { config } = parts;
  return startRemediationWorker({
    connection: parts.redis,
    prefix: parts.prefix,
    store: parts.remediations,
    ledger: parts.ledger,
    audit: parts.audit,
    incidents: parts.incidents,
    telemetryReads: o.telemetryStore,
    runs: parts.store,
    deployQueue: parts.deployQueue,
    intake: parts.intake,
    git: parts.gitWriter,
    repo: parts.remediationRepo,
    forge: parts.forgeOf,
    lock: parts.stackLock(),
    config: config.remediation,
    diagnosis: o.diagnosis,
    traceGraph: o.traceGraph,
    changes: o.changes,
    emit: parts.emit,
    resolveIncident: o.resolveIncident,
    forecast: { horizonMs: config.forecast.horizonMinutes * 60_000, minConfidence: config.forecast.minConfidence },
    ...(o.workerId ? { workerId: `remediate-${o.workerId}` } : {}),
  });
}

/** The config's diagnosis windows, in ms; those not set keep the diagnosis defaults. */
function diagnosisOptions(config: ServiceConfig): DiagnosisOptions {
  const d = config.telemetry.diagnosis;
  return {
    ...(d.lookbackSeconds !== undefined ? { lookbackMs: d.lookbackSeconds * 1000 } : {}),
    ...(d.afterOnsetGraceSeconds !== undefined ? { afterOnsetGraceMs: d.afterOnsetGraceSeconds * 1000 } : {}),
    ...(d.leadSeconds !== undefined ? { leadMs: d.leadSeconds * 1000 } : {}),
    ...(d.baselineSeconds !== undefined ? { baselineMs: d.baselineSeconds * 1000 } : {}),
    ...(d.dependencyWindowSeconds !== undefined ? { dependencyWindowMs: d.dependencyWindowSeconds * 1000 } : {}),
  };
}

/** Queues a look at an incident that opened or changed; its content id is the incident as it now stands. */
async function queueRemediation(parts: SharedParts, event: IncidentEvent): Promise<void> {
  if (event.type === 'resolved') return;
  const inc = event.incident;
  // Several anomalies of one minute are several updates.
  const points = inc.signals.reduce((n, s) => n + s.points, 0);
  await parts.remediationQueue.add({ remediationId: remediationIdOf(inc.id), incidentId: inc.id, stackKey: inc.stackKey, cause: 'incident' }, `${inc.updatedAt}-${inc.signals.length}-${points}-${inc.alarms.length}`);
}

/** Forecasts of saturating signals, fed by the same points as the detectors: a breach predicted within the horizon opens a predicted incident. */
function forecastStage(parts: SharedParts, store: TelemetryStore): ForecastStage {
  const { config } = parts;
  return createForecastStage({
    store,
    stacks: async () => contextFrom(await parts.store.statuses(), []).watched,
    horizonMs: config.forecast.horizonMinutes * 60_000,
    minConfidence: config.forecast.minConfidence,
    onPredictions: async (predictions) => void (await parts.signals.add(predictions.map(forecastInput))),
    onWarning: (message) => parts.emit(timelineEvent('error', message)),
  });
}
