import type { HealthSignal } from '../../stacks/contract.ts';

/**
 * Series: what the telemetry stage polls, and the stable fingerprint that
 * names each series in the store, in metric points and in anomalies. Pure.
 */

/** What the poller needs from one watched stack: its key and the health part of its contract. */
export interface WatchedStack {
  /** Stack key, for example `infra/./sandbox`. */
  readonly stackKey: string;
  readonly healthSignals: readonly HealthSignal[];
  /** CloudWatch alarm names the stack owns; the poller reports those in ALARM state. */
  readonly alarms: readonly string[];
}

/** A CloudWatch dimension, in the order the fingerprint uses (sorted by name). */
export interface Dimension {
  readonly name: string;
  readonly value: string;
}

/** One polled series: a health signal of a stack, with its fingerprint. */
export interface SeriesSpec {
  readonly seriesId: string;
  readonly stackKey: string;
  readonly signalId: string;
  readonly namespace: string;
  readonly metricName: string;
  /** Sorted by name. */
  readonly dimensions: readonly Dimension[];
  readonly stat: string;
  readonly periodSeconds: number;
}

/** One datapoint of one series, as the anomaly stage consumes it. */
export interface MetricPoint {
  readonly seriesId: string;
  readonly stackKey: string;
  readonly signalId: string;
  /** Start of the metric period the value aggregates, in ms since the epoch. */
  readonly timestamp: number;
  readonly value: number;
}

/** Code-unit order, independent of locale, so the fingerprint never changes with the host. */
function byName(a: Dimension, b: Dimension): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function sortedDimensions(dimensions: Readonly<Record<string, string>>): Dimension[] {
  return Object.entries(dimensions)
    .map(([name, value]) => ({ name, value }))
    .sort(byName);
}

/** Escapes the separators the fingerprint uses, so distinct inputs never meet. */
function part(text: string): string {
  return text.replace(/[%|,=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The stable fingerprint of a series: stack key, namespace, metric name,
 * dimensions sorted by name, and statistic, for example
 * `infra/./web|AWS/EC2|CPUUtilization|AutoScalingGroupName=web|Average`.
 * The order in which a contract lists dimensions does not change it.
 */
export function seriesId(stackKey: string, signal: Pick<HealthSignal, 'namespace' | 'metricName' | 'dimensions' | 'stat'>): string {
  const dims = sortedDimensions(signal.dimensions)
    .map((d) => `${part(d.name)}=${part(d.value)}`)
    .join(',');
  return [stackKey, signal.namespace, signal.metricName, dims, signal.stat].map((p, i) => (i === 3 ? p : part(p))).join('|');
}

/**
 * The series of the watched stacks, in contract order. Two signals of one
 * stack that measure the same series are a contract error: the message names
 * both fields.
 */
export function seriesOf(stacks: readonly WatchedStack[]): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  const seen = new Map<string, string>();
  for (const stack of stacks) {
    stack.healthSignals.forEach((signal, i) => {
      const id = seriesId(stack.stackKey, signal);
      const field = `${stack.stackKey}: healthSignals[${i}] (${signal.id})`;
      const first = seen.get(id);
      if (first !== undefined) throw new Error(`${field} measures the same series as ${first}`);
      seen.set(id, field);
      out.push({
        seriesId: id,
        stackKey: stack.stackKey,
        signalId: signal.id,
        namespace: signal.namespace,
        metricName: signal.metricName,
        dimensions: sortedDimensions(signal.dimensions),
        stat: signal.stat,
        periodSeconds: signal.period,
      });
    });
  }
  return out;
}
