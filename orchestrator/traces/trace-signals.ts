import type { SignalRole } from '../../stacks/contract.ts';
import { seriesId, type MetricPoint } from '../telemetry/series.ts';
import type { ClosedPeriod } from './span-aggregator.ts';

/**
 * The aggregator's closed periods as the points the detector already reads,
 * one series per figure: `Homeostat/Traces` `Requests`, `ErrorRate`,
 * `LatencyP50` and `LatencyP95`, with a `Service` dimension, or `Caller` and
 * `Callee` for an edge. A service whose stack is unknown gives no points:
 * an anomaly must belong to a stack. A figure with no requests behind it
 * (error rate, percentiles) gives no point rather than a made-up zero. Pure.
 */

/** The namespace the trace series are named under, beside CloudWatch's own and the logs'. */
export const TRACE_NAMESPACE = 'Homeostat/Traces';

const FIGURES = [
  { metricName: 'Requests', stat: 'Sum', key: 'requests', short: 'requests', role: 'demand' },
  { metricName: 'ErrorRate', stat: 'Average', key: 'errorRate', short: 'errors', role: 'errors' },
  { metricName: 'LatencyP50', stat: 'p50', key: 'p50', short: 'p50', role: 'latency' },
  { metricName: 'LatencyP95', stat: 'p95', key: 'p95', short: 'p95', role: 'latency' },
] as const;

/**
 * The role of a trace signal, from its id (a trace signal is in no stack's
 * contract, so the correlator cannot look it up there); undefined for any
 * other signal.
 */
export function traceSignalRole(signalId: string): SignalRole | undefined {
  if (!signalId.startsWith('traces-')) return undefined;
  return FIGURES.find((f) => signalId.endsWith(`-${f.short}`))?.role;
}

/** The signal id of a service's or an edge's figure, for example `traces-checkout-p95` or `traces-checkout>payments-p95`. */
export function traceSignalId(who: { service?: string; edge?: { caller: string; callee: string } }, figure: string): string {
  const name = who.edge ? `${who.edge.caller}>${who.edge.callee}` : who.service!;
  return `traces-${name}-${figure}`;
}

export function tracePoints(closed: readonly ClosedPeriod[]): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const c of closed) {
    if (!c.stackKey) continue;
    const dimensions: Record<string, string> = c.edge ? { Caller: c.edge.caller, Callee: c.edge.callee } : { Service: c.service! };
    for (const f of FIGURES) {
      const value = c.figures[f.key];
      if (value === undefined) continue;
      out.push({
        seriesId: seriesId(c.stackKey, { namespace: TRACE_NAMESPACE, metricName: f.metricName, dimensions, stat: f.stat }),
        stackKey: c.stackKey,
        signalId: traceSignalId(c, f.short),
        timestamp: c.figures.timestamp,
        value,
      });
    }
  }
  return out;
}
