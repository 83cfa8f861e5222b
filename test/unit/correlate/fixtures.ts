import type { AlarmState } from '../../../orchestrator/correlate/alarm-state.ts';
import type { AnomalySignal } from '../../../orchestrator/correlate/anomaly-signal.ts';
import type { Topology } from '../../../orchestrator/correlate/topology.ts';
import { alarmInput, anomalyInput, type CorrelationInput } from '../../../orchestrator/correlate/correlation-input.ts';
import type { HealthSignal, SignalRole, StackContract } from '../../../stacks/contract.ts';

export const MIN = 60_000;
/** 2026-11-29T00:00:00Z: every scenario starts here. */
export const T0 = Date.UTC(2026, 10, 29, 0, 0, 0);

export const API = 'infra/./api';
export const WEB = 'infra/./web';
export const DB = 'infra/./db';
export const OTHER = 'infra/./batch';

function signal(id: string, role: SignalRole, limit?: number): HealthSignal {
  return {
    id,
    namespace: 'Homeostat/Sandbox',
    metricName: id,
    dimensions: { Service: 'svc' },
    stat: 'Average',
    period: 60,
    role,
    higherIsWorse: role !== 'demand',
    ...(limit === undefined ? {} : { limit }),
    resource: 'svc',
  };
}

/** A sandbox-like contract: cpu (limit 100), latency, errors, requests; capacity, instanceSize, version keys. */
export function contract(): StackContract {
  return {
    kind: 'sandbox',
    healthSignals: [signal('cpu', 'utilisation', 100), signal('latency', 'latency'), signal('errors', 'errors'), signal('requests', 'demand')],
    alarms: ['svc-cpu-high'],
    remediable: [
      { key: 'sandbox:capacity', purpose: 'capacity', resource: 'svc', type: 'integer', min: 1, max: 10, current: 4, maxStepRatio: 2 },
      { key: 'sandbox:instanceSize', purpose: 'size', type: 'enum', values: ['small', 'medium', 'large'], current: 'medium' },
      { key: 'sandbox:version', purpose: 'version', type: 'string', current: '1.4.2' },
    ],
  };
}

/** web and api depend on db; web depends on api; batch stands alone. */
export function topology(): Topology {
  return {
    stacks: {
      [DB]: { contract: contract(), dependsOn: [] },
      [API]: { contract: contract(), dependsOn: [DB] },
      [WEB]: { contract: contract(), dependsOn: [API, DB] },
      [OTHER]: { contract: contract(), dependsOn: [] },
    },
  };
}

export function anomaly(stackKey: string, signalId: string, at: number, value = 90, score = 0.8, role: SignalRole = 'utilisation'): AnomalySignal {
  return { seriesId: `${stackKey}:${signalId}`, stackKey, signalId, role, timestamp: at, value, score, threshold: 0.5 };
}

export function a(stackKey: string, signalId: string, at: number, value = 90, score = 0.8, role: SignalRole = 'utilisation'): CorrelationInput {
  return anomalyInput(anomaly(stackKey, signalId, at, value, score, role));
}

export function alarm(stackKey: string, alarmName: string, state: AlarmState['state'], at: number): CorrelationInput {
  return alarmInput({ stackKey, alarmName, state, timestamp: at });
}
