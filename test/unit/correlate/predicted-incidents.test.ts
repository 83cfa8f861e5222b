import assert from 'node:assert/strict';
import { isPredictedOnly, type IncidentEvent } from '../../../orchestrator/correlate/incident.ts';
import type { PredictedBreach } from '../../../orchestrator/correlate/predicted-breach.ts';
import { initialTrackerState, parseTrackerState, type TrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { CorrelationInputSchema, forecastInput, inputTime, type CorrelationInput } from '../../../orchestrator/correlate/correlation-input.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import type { TrackerOptions } from '../../../orchestrator/correlate/tracker-options.ts';
import { API, MIN, OTHER, T0, a, alarm, topology } from './fixtures.ts';

const opts: TrackerOptions = { topology: topology() };

/** A forecast that `signalId` of `stackKey` reaches 100 in `minutes` (interval ±20%). */
function predicted(stackKey: string, signalId: string, at: number, minutes = 20, value = 70): CorrelationInput {
  const p: PredictedBreach = {
    seriesId: `${stackKey}:${signalId}`,
    stackKey,
    signalId,
    role: 'utilisation',
    timestamp: at,
    value,
    limit: 100,
    direction: 'up',
    timeToBreachMs: minutes * MIN,
    interval: { earliestMs: 0.8 * minutes * MIN, latestMs: 1.2 * minutes * MIN },
    confidence: 0.97,
    horizonMs: 30 * MIN,
    summary: `breach in ${minutes.toFixed(1)} min`,
  };
  return forecastInput(p);
}

/** Feeds the inputs one minute at a time, then runs the clock to `until`. */
function replay(inputs: readonly CorrelationInput[], until: number, from: TrackerState = initialTrackerState()) {
  let state = from;
  const events: IncidentEvent[] = [];
  for (let t = T0; t <= until; t += MIN) {
    const r = step(state, inputs.filter((e) => inputTime(e) > t - MIN && inputTime(e) <= t), t, opts);
    state = r.state;
    events.push(...r.incidentEvents);
  }
  return { state, events };
}

const opened = (events: readonly IncidentEvent[]) => events.filter((e) => e.type === 'opened');

describe('predicted incidents', () => {
  it('a predicted breach opens an incident marked predicted, carrying the time to breach and its interval', () => {
    const { state, events } = replay([predicted(API, 'disk', T0 + MIN, 20)], T0 + 2 * MIN);
    assert.equal(opened(events).length, 1);
    const inc = state.open[0]!;
    assert.equal(inc.predicted, true);
    assert.ok(isPredictedOnly(inc));
    assert.deepEqual(inc.signals, []);
    const p = inc.predictions![0]!;
    assert.equal(p.signalId, 'disk');
    assert.equal(p.firstPredictedAt, T0 + MIN);
    assert.equal(p.timeToBreachMs, 20 * MIN);
    assert.deepEqual(p.interval, { earliestMs: 16 * MIN, latestMs: 24 * MIN });
    assert.equal(p.breachAt, T0 + 21 * MIN);
    assert.match(inc.evidence[0]!, /disk \(utilisation\) predicted to reach its limit 100 in 20 min \(16 min to 24 min\)/);
  });

  it('further predictions of the same series refresh that incident: no second incident, no flood of evidence', () => {
    const inputs = [0, 1, 2, 3, 4, 5].map((m) => predicted(API, 'disk', T0 + (1 + m) * MIN, 20 - m));
    const { state, events } = replay(inputs, T0 + 7 * MIN);
    assert.equal(opened(events).length, 1);
    assert.equal(state.open.length, 1);
    const inc = state.open[0]!;
    assert.equal(inc.evidence.length, 1);
    const p = inc.predictions![0]!;
    assert.equal(p.points, 6);
    assert.equal(p.firstTimeToBreachMs, 20 * MIN, 'the first warning stays on record');
    assert.equal(p.timeToBreachMs, 15 * MIN);
    assert.equal(p.lastPredictedAt, T0 + 6 * MIN);
  });

  it('a redelivered prediction changes nothing', () => {
    const first = replay([predicted(API, 'disk', T0 + MIN), predicted(API, 'disk', T0 + 2 * MIN)], T0 + 3 * MIN);
    const again = step(first.state, [predicted(API, 'disk', T0 + 2 * MIN)], T0 + 3 * MIN, opts);
    assert.equal(again.ignored, 1);
    assert.deepEqual(again.state, first.state);
  });

  it('an anomaly of the stack joins the predicted incident later, and the warning lead stays on record', () => {
    const { state, events } = replay([predicted(API, 'disk', T0 + MIN, 12), a(API, 'disk', T0 + 9 * MIN, 97), alarm(API, 'svc-disk-full', 'ALARM', T0 + 10 * MIN)], T0 + 11 * MIN);
    assert.equal(opened(events).length, 1);
    const inc = state.open[0]!;
    assert.equal(inc.predicted, true);
    assert.equal(isPredictedOnly(inc), false);
    assert.equal(inc.signals[0]!.firstAt - inc.predictions![0]!.firstPredictedAt, 8 * MIN);
    assert.equal(inc.alarms[0]!.firstAlarmAt - inc.predictions![0]!.firstPredictedAt, 9 * MIN);
  });

  it('a prediction joins an incident already open on the stack instead of opening one', () => {
    const { state, events } = replay([a(API, 'cpu', T0 + MIN), predicted(API, 'disk', T0 + 3 * MIN)], T0 + 4 * MIN);
    assert.equal(opened(events).length, 1);
    const inc = state.open[0]!;
    assert.equal(inc.predicted, undefined, 'opened on an observation');
    assert.equal(inc.predictions?.[0]?.signalId, 'disk');
    assert.ok(events.some((e) => e.type === 'updated' && e.changes.some((c) => c.includes('predicted to reach its limit'))));
  });

  it('keeps predictions of unrelated stacks apart', () => {
    const { state } = replay([predicted(API, 'disk', T0 + MIN), predicted(OTHER, 'disk', T0 + 2 * MIN)], T0 + 3 * MIN);
    assert.deepEqual(state.open.map((i) => i.stackKey).sort(), [OTHER, API].sort());
  });

  it('resolves a predicted incident once the forecast stopped predicting the breach for the quiet period', () => {
    const inputs = [1, 2, 3].map((m) => predicted(API, 'disk', T0 + m * MIN));
    const { state, events } = replay(inputs, T0 + 20 * MIN);
    const resolved = events.find((e) => e.type === 'resolved');
    assert.ok(resolved, 'resolved');
    assert.equal(resolved.at, T0 + 3 * MIN + 15 * MIN);
    assert.equal(state.open.length, 0);
  });

  it('after a predicted incident resolved, a new prediction opens a new one', () => {
    const inputs = [predicted(API, 'disk', T0 + MIN), predicted(API, 'disk', T0 + 30 * MIN)];
    const { events } = replay(inputs, T0 + 31 * MIN);
    assert.equal(opened(events).length, 2);
  });

  it('a predicted incident survives a round trip through storage, and a malformed prediction is refused naming the field', () => {
    const { state } = replay([predicted(API, 'disk', T0 + MIN)], T0 + 2 * MIN);
    assert.deepEqual(parseTrackerState(JSON.parse(JSON.stringify(state))), state);
    const bad = structuredClone(state);
    (bad.open[0]!.predictions![0] as { timeToBreachMs: unknown }).timeToBreachMs = 'soon';
    assert.throws(() => parseTrackerState(bad), /open\[0\]\.predictions\[0\]\.timeToBreachMs/);
    const input = predicted(API, 'disk', T0);
    assert.equal(CorrelationInputSchema.safeParse({ ...input, prediction: { ...(input as { prediction: object }).prediction, direction: 'sideways' } }).success, false);
  });
});
