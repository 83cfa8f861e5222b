import assert from 'node:assert/strict';
import { withRoles } from '../../../orchestrator/correlate/anomaly-signal.ts';
import { alarmInputsFromPoll } from '../../../orchestrator/correlate/telemetry-adapter.ts';
import { initialTrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { anomalyInput } from '../../../orchestrator/correlate/correlation-input.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import type { Anomaly } from '../../../orchestrator/telemetry/anomaly.ts';
import type { AlarmState as PolledAlarm } from '../../../orchestrator/telemetry/alarm-state.ts';
import { API, MIN, T0, topology } from './fixtures.ts';

const polled = (at: number): PolledAlarm => ({ stackKey: API, alarmName: 'api-cpu-high', state: 'ALARM', reason: 'Threshold crossed', updatedAt: at, observedAt: at + 30_000 });

describe('telemetry adapters', () => {
  it('takes the telemetry stage anomalies as they are, with roles from the contracts', () => {
    const raw: Anomaly = { seriesId: 's1', stackKey: API, signalId: 'requests', timestamp: T0, value: 2000, score: 0.9, threshold: 0.5 };
    const [withRole] = withRoles([raw], topology());
    assert.equal(withRole!.role, 'demand');
    const r = step(initialTrackerState(), [anomalyInput(raw)], T0, { topology: topology() });
    assert.equal(r.state.open[0]!.signals[0]!.role, undefined);
    assert.match(r.state.open[0]!.evidence[0]!, /requests anomalous: value 2000/);
  });

  it('turns polls of alarms in ALARM into ALARM and OK transitions', () => {
    let state = initialTrackerState();
    state = step(state, alarmInputsFromPoll(state, [polled(T0)], T0 + MIN), T0 + MIN).state;
    assert.equal(state.open[0]!.alarms[0]!.state, 'ALARM');
    // Listed again: nothing new.
    const again = step(state, alarmInputsFromPoll(state, [polled(T0)], T0 + 2 * MIN), T0 + 2 * MIN);
    assert.deepEqual(again.incidentEvents, []);
    // No longer listed: back to OK, and the quiet period runs from the poll that saw it go.
    const cleared = step(state, alarmInputsFromPoll(state, [], T0 + 3 * MIN), T0 + 3 * MIN);
    assert.equal(cleared.state.open[0]!.alarms[0]!.state, 'OK');
    const later = step(cleared.state, [], T0 + 30 * MIN);
    assert.equal(later.incidentEvents.find((e) => e.type === 'resolved')!.at, T0 + 18 * MIN);
  });

  it('clears no alarm of a stack the poll did not cover', () => {
    const state = step(initialTrackerState(), alarmInputsFromPoll(initialTrackerState(), [polled(T0)], T0), T0).state;
    assert.deepEqual(alarmInputsFromPoll(state, [], T0 + MIN, ['infra/./other']), []);
  });
});
