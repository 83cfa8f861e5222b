import { anomalyInput, withRoles } from '../correlate/index.ts';
import { contextFrom } from '../correlate/stack-context.ts';
import type { TraceIngest } from '../http/trace-routes.ts';
import { every } from '../runtime/periodic.ts';
import { createReaderTurn, processOwner } from '../runtime/reader-turn.ts';
import type { Anomaly } from '../telemetry/anomaly.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import { createSharedTraceRunner } from '../traces/shared-trace-runner.ts';
import { createTraceRunner } from '../traces/trace-runner.ts';
import { traceSignalRole } from '../traces/trace-signals.ts';
import type { SharedParts } from './shared-parts.ts';

/** The trace receiver's sink and its ticker, in the process that serves HTTP. */
export interface TraceStage {
  /** What the HTTP server's `POST /v1/traces` hands its spans to. */
  ingest: TraceIngest;
  stop(): Promise<void>;
}

/**
 * Starts the trace stage where `traces.enabled`: spans from the receiver are
 * aggregated in this process (or, with `traces.shared`, added to the shared
 * partials in Redis, see shared-trace-runner.ts); a tick (four per period, so a period closes
 * soon after it settles) scores the settled periods and sends anomalies to
 * the signal queue like the metric detector does, and saves the service
 * graph in Redis for the correlate worker.
 */
export function startTraceStage(parts: SharedParts): TraceStage | undefined {
  const t = parts.config.traces;
  if (!t.enabled) return undefined;
  const services = t.services;
  const common = {
    redis: parts.redis,
    prefix: parts.prefix,
    aggregator: { periodMs: t.periodSeconds * 1000, stackOf: (service: string) => services[service] },
    settleMs: t.settleSeconds * 1000,
    onWarning: (message: string) => parts.emit(timelineEvent('error', message)),
    onAnomalies: async (anomalies: readonly Anomaly[]) => {
      const ctx = contextFrom(await parts.store.statuses(), []);
      // Trace signals are in no contract: their role comes from the figure they measure.
      const withOwnRoles = anomalies.map((a) => ({ ...a, role: traceSignalRole(a.signalId) }));
      await parts.signals.add(withRoles(withOwnRoles, ctx.topology).map(anomalyInput));
    },
  };
  // Several receiving processes share their spans through Redis, and one at a time closes the periods.
  const shared = t.shared
    ? createSharedTraceRunner({ ...common, turn: createReaderTurn(parts.redis, { prefix: parts.prefix, name: 'traces', owner: processOwner() }) })
    : undefined;
  const runner = shared ?? createTraceRunner(common);
  const ticker = every((t.periodSeconds * 1000) / 4, runner.tick, (err) => parts.emit(timelineEvent('error', `trace tick failed: ${err.message}`)));
  return {
    ingest: { ingest: runner.ingest, maxBytes: t.maxBodyBytes, ...(t.ingestToken ? { token: t.ingestToken } : {}) },
    async stop() {
      await ticker.stop();
      await shared?.release();
    },
  };
}
