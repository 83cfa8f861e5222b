import assert from 'node:assert/strict';
import { IncidentEventSchema, closeIncident, initialTrackerState, step } from '../../../orchestrator/correlate/index.ts';
import type { CorrelationInput, TrackerOptions, TrackerState } from '../../../orchestrator/correlate/index.ts';
import { API, MIN, OTHER, T0, a, topology } from './fixtures.ts';

const opts: TrackerOptions = { topology: topology() };
const API_ID = `${API}@20261129T0000Z`;
const OTHER_ID = `${OTHER}@20261129T0000Z`;
const REASON = 'remediation rm-infra-.-api-20261129T0000Z verified as effective';

/** The tracker after `inputs`, folded in one step at `now`. */
function tracked(inputs: CorrelationInput[], now: number, options: TrackerOptions = opts): TrackerState {
  return step(initialTrackerState(), inputs, now, options).state;
}

/** Two open incidents: api's (CPU anomalous at minutes 1 to 3) and batch's (at minute 2). */
const twoOpen = () => tracked([a(API, 'cpu', T0 + 1 * MIN), a(API, 'cpu', T0 + 3 * MIN), a(OTHER, 'cpu', T0 + 2 * MIN)], T0 + 3 * MIN);

describe('closing an incident on purpose', () => {
  it('starts from two open incidents', () => {
    assert.deepEqual(twoOpen().open.map((i) => i.id).sort(), [API_ID, OTHER_ID].sort());
  });

  it('returns a resolved event carrying the reason and the resolved incident', () => {
    const { event } = closeIncident(twoOpen(), API_ID, T0 + 5 * MIN, REASON, opts);
    assert.ok(event);
    assert.equal(event.type, 'resolved');
    assert.equal(event.incidentId, API_ID);
    assert.equal(event.at, T0 + 5 * MIN);
    assert.deepEqual(event.changes, [REASON]);
    assert.equal(event.incident.status, 'resolved');
    assert.equal(event.incident.resolvedAt, T0 + 5 * MIN);
    assert.deepEqual(event.incident.signals.map((s) => [s.signalId, s.points]), [['cpu', 2]]);
    IncidentEventSchema.parse(event);
  });

  it('moves the incident from open to recent, and leaves the others open', () => {
    const { state } = closeIncident(twoOpen(), API_ID, T0 + 5 * MIN, REASON, opts);
    assert.deepEqual(state.open.map((i) => i.id), [OTHER_ID]);
    assert.deepEqual(state.recent, [{ id: API_ID, stacks: [API], onsetAt: T0 + 1 * MIN, resolvedAt: T0 + 5 * MIN }]);
  });

  it('never resolves before the incident was last abnormal', () => {
    const { event, state } = closeIncident(twoOpen(), API_ID, T0 + 2 * MIN, REASON, opts);
    assert.equal(event?.at, T0 + 3 * MIN);
    assert.equal(event?.incident.resolvedAt, T0 + 3 * MIN);
    assert.equal(state.recent[0]?.resolvedAt, T0 + 3 * MIN);
  });

  it('leaves the given state as it was', () => {
    const before = twoOpen();
    const copy = structuredClone(before);
    const { event } = closeIncident(before, API_ID, T0 + 5 * MIN, REASON, opts);
    assert.deepEqual(before, copy);
    // The event's incident is a copy too: changing it changes neither state.
    event!.incident.evidence.push('edited');
    assert.deepEqual(before, copy);
  });

  const noops: { name: string; state: () => TrackerState; id: string }[] = [
    { name: 'an id no incident has', state: twoOpen, id: `${API}@20261129T0100Z` },
    { name: 'an incident already closed', state: () => closeIncident(twoOpen(), API_ID, T0 + 5 * MIN, REASON, opts).state, id: API_ID },
    { name: 'an incident that resolved after its quiet period', state: () => step(twoOpen(), [], T0 + 60 * MIN, opts).state, id: API_ID },
  ];
  for (const c of noops) {
    it(`returns no event and the very same state for ${c.name}`, () => {
      const state = c.state();
      const result = closeIncident(state, c.id, T0 + 70 * MIN, REASON, opts);
      assert.equal(result.event, undefined);
      assert.equal(result.state, state);
    });
  }

  it('keeps no more resolved references than the options allow', () => {
    const o: TrackerOptions = { ...opts, maxRecentResolved: 1 };
    const first = closeIncident(twoOpen(), API_ID, T0 + 5 * MIN, REASON, o).state;
    const { state } = closeIncident(first, OTHER_ID, T0 + 6 * MIN, REASON, o);
    assert.deepEqual(state.recent.map((r) => r.id), [OTHER_ID]);
  });

  describe('what the tracker does next', () => {
    const closed = () => closeIncident(twoOpen(), API_ID, T0 + 5 * MIN, REASON, opts).state;

    it('does not resolve the closed incident a second time when its quiet period ends', () => {
      const r = step(closed(), [], T0 + 60 * MIN, opts);
      assert.deepEqual(r.incidentEvents.map((e) => [e.type, e.incidentId]), [['resolved', OTHER_ID]]);
    });

    it('drops an anomaly of the same stack up to the time it was closed, as already covered', () => {
      const r = step(closed(), [a(API, 'cpu', T0 + 4 * MIN)], T0 + 4 * MIN, opts);
      assert.equal(r.ignored, 1);
      assert.deepEqual(r.incidentEvents, []);
      assert.deepEqual(r.state.open.map((i) => i.id), [OTHER_ID]);
    });

    it('opens a new incident, under a new id, for an anomaly of the same stack after it was closed', () => {
      const r = step(closed(), [a(API, 'cpu', T0 + 6 * MIN)], T0 + 6 * MIN, opts);
      assert.deepEqual(r.incidentEvents.map((e) => [e.type, e.incidentId]), [['opened', `${API_ID}~2`]]);
      assert.deepEqual(r.state.open.map((i) => i.id).sort(), [`${API_ID}~2`, OTHER_ID].sort());
      assert.deepEqual(r.state.recent.map((ref) => ref.id), [API_ID]);
    });
  });
});
