import type { Incident, IncidentSignal } from '../../../orchestrator/correlate/incident.ts';
import type { ProbableCause } from '../../../orchestrator/diagnose/probable-cause.ts';
import type { SignalSeries } from '../../../orchestrator/diagnose/signal-series.ts';
import type { PlaybookInput } from '../../../remediations/playbook.ts';
import type { HealthSignal, RemediableKey, SignalRole, StackContract } from '../../../stacks/contract.ts';

export const MIN = 60_000;
/** 2026-11-29T01:00:00Z: every incident starts here. */
export const ONSET = Date.UTC(2026, 10, 29, 1, 0, 0);
export const SANDBOX = 'infra/./sandbox';
export const APP = 'infra/./app-prod';
export const COMMIT = '3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345';

function signal(id: string, role: SignalRole, limit?: number, metricName = id): HealthSignal {
  return {
    id,
    namespace: 'Homeostat/Sandbox',
    metricName,
    dimensions: { ServiceName: 'checkout' },
    stat: 'Average',
    period: 60,
    role,
    higherIsWorse: role !== 'demand',
    ...(limit === undefined ? {} : { limit }),
    resource: 'checkout',
  };
}

/** The sandbox stack's contract as in stacks/Pulumi.sandbox.yaml: capacity 2 in [1, 16], step 2x, size small. */
export function sandboxContract(capacity: Partial<Extract<RemediableKey, { type: 'integer' }>> = {}, size = 'small'): StackContract {
  return {
    kind: 'sandbox',
    healthSignals: [signal('cpu', 'utilisation', 100), signal('latency', 'latency'), signal('errors', 'errors', 100), signal('requests', 'demand')],
    alarms: ['checkout-high-cpu'],
    remediable: [
      { key: 'sandbox:capacity', purpose: 'capacity', resource: 'checkout', type: 'integer', min: 1, max: 16, current: 2, maxStepRatio: 2, ...capacity },
      { key: 'sandbox:instanceSize', purpose: 'size', type: 'enum', values: ['small', 'medium', 'large', 'xlarge'], current: size },
      { key: 'sandbox:version', purpose: 'version', type: 'string', current: 'v1.0.0' },
    ],
  };
}

/** A Kubernetes-app-like contract with a memory signal and a restart key. */
export function appContract(restartedAt = ''): StackContract {
  return {
    kind: 'k8s-app',
    healthSignals: [
      signal('cpu', 'utilisation', 100),
      signal('memory', 'saturation', 100, 'pod_memory_utilization_over_pod_limit'),
      signal('restarts', 'errors'),
      signal('requests', 'demand'),
    ],
    alarms: [],
    remediable: [
      { key: 'app:replicas', purpose: 'capacity', resource: 'payments-api', type: 'integer', min: 2, max: 10, current: 3, maxStepRatio: 2 },
      { key: 'app:image', purpose: 'version', type: 'string', current: 'registry.example.com/payments-api:1.8.2' },
      { key: 'app:restartedAt', purpose: 'restart', type: 'string', current: restartedAt },
    ],
  };
}

export function incidentSignal(stackKey: string, signalId: string, peakValue: number, role: SignalRole = 'utilisation'): IncidentSignal {
  return {
    seriesId: `${stackKey}:${signalId}`,
    stackKey,
    signalId,
    role,
    firstAt: ONSET,
    lastAt: ONSET + 5 * MIN,
    points: 5,
    firstValue: peakValue * 0.9,
    lastValue: peakValue,
    peakValue,
    peakScore: 0.9,
    threshold: 0.5,
  };
}

export function incident(stackKey: string, signals: IncidentSignal[]): Incident {
  return {
    id: `${stackKey}@20261129T0100Z`,
    status: 'open',
    stackKey,
    stacks: [stackKey],
    onsetAt: ONSET,
    updatedAt: ONSET + 5 * MIN,
    lastAbnormalAt: ONSET + 5 * MIN,
    signals,
    alarms: [],
    evidence: [],
    omitted: 0,
  };
}

export function cause(kind: ProbableCause['kind'], confidence: number, extra: Partial<ProbableCause> = {}): ProbableCause {
  return { kind, confidence, evidence: [`${kind} evidence`], explanation: `${kind} explanation.`, check: 'look', ...extra };
}

/** One point a minute from `from` to `to`, of `value(t)`. */
export function series(stackKey: string, signalId: string, from: number, to: number, value: (t: number) => number): SignalSeries {
  const points = [];
  for (let t = from; t <= to; t += MIN) points.push({ timestamp: t, value: value(t) });
  return { stackKey, signalId, points };
}

/** A sandbox incident with CPU at `cpu`% and the given causes. */
export function sandboxInput(cpu: number, causes: ProbableCause[], contract = sandboxContract()): PlaybookInput {
  return { incident: incident(SANDBOX, [incidentSignal(SANDBOX, 'cpu', cpu)]), causes, stack: { stackKey: SANDBOX, contract } };
}
