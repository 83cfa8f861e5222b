/**
 * Correlation: anomalies and alarm states in, incidents out. Pure. The stage's
 * I/O edge (`correlate-worker.ts`, `signal-queue.ts`, `incident-store.ts`) is
 * not exported here: import it by its path.
 */
export { AnomalySignalSchema, isAnomalous, withRoles } from './anomaly-signal.ts';
export type { AnomalySignal, SignalCatalogue } from './anomaly-signal.ts';
export { AlarmStateSchema } from './alarm-state.ts';
export type { AlarmState } from './alarm-state.ts';
export { StackNodeSchema, TopologySchema, areLinked, dependenciesOf } from './topology.ts';
export type { Links, StackNode, Topology } from './topology.ts';
export { IncidentAlarmSchema, IncidentEventSchema, IncidentSchema, IncidentSignalSchema, compactTime, incidentId, isPredictedOnly } from './incident.ts';
export { IncidentPredictionSchema, PredictedBreachSchema } from './predicted-breach.ts';
export type { IncidentPrediction, PredictedBreach } from './predicted-breach.ts';
export type { Incident, IncidentAlarm, IncidentEvent, IncidentSignal } from './incident.ts';
export { TRACKER_DEFAULTS, resolveTrackerOptions } from './tracker-options.ts';
export type { ResolvedTrackerOptions, TrackerOptions } from './tracker-options.ts';
export { ResolvedRefSchema, TRACKER_STATE_VERSION, TrackerStateSchema, initialTrackerState, parseTrackerState } from './tracker-state.ts';
export type { ResolvedRef, TrackerState } from './tracker-state.ts';
export { CorrelationInputSchema, alarmInput, anomalyInput, forecastInput, inputTime, type CorrelationInput } from './correlation-input.ts';
export { closeIncident, formatValue, step } from './tracker.ts';
export type { StepResult } from './tracker.ts';
export { alarmInputsFromPoll } from './telemetry-adapter.ts';
