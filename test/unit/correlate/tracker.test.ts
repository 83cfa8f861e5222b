import assert from 'node:assert/strict';
import type { IncidentEvent } from '../../../orchestrator/correlate/incident.ts';
import { initialTrackerState, parseTrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import type { TrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { inputTime, type CorrelationInput } from '../../../orchestrator/correlate/correlation-input.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import type { StepResult } from '../../../orchestrator/correlate/tracker.ts';
import type { TrackerOptions } from '../../../orchestrator/correlate/tracker-options.ts';
import { API, DB, MIN, OTHER, T0, WEB, a, alarm, topology } from './fixtures.ts';

const opts: TrackerOptions = { topology: topology() };

/** Feeds the inputs one minute at a time (each minute's inputs in one step), then runs the clock to `until`. */
function replay(inputs: readonly CorrelationInput[], until: number, options: TrackerOptions = opts, from: TrackerState = initialTrackerState()) {
  const time = inputTime;
  let state = from;
  const events: IncidentEvent[] = [];
  let ignored = 0;
  for (let t = T0; t <= until; t += MIN) {
    const batch = inputs.filter((e) => time(e) > t - MIN && time(e) <= t);
    const r: StepResult = step(state, batch, t, options);
    state = r.state;
    events.push(...r.incidentEvents);
    ignored += r.ignored;
  }
  return { state, events, ignored };
}

const opened = (events: readonly IncidentEvent[]) => events.filter((e) => e.type === 'opened');

describe('incident tracker', () => {
  describe('grouping', () => {
    const cases: { name: string; inputs: CorrelationInput[]; incidents: number; stacks?: string[][] }[] = [
      {
        name: 'groups signals of one stack that turn anomalous within the window into one incident',
        inputs: [a(API, 'cpu', T0 + 1 * MIN), a(API, 'latency', T0 + 4 * MIN, 800, 0.7, 'latency'), a(API, 'errors', T0 + 9 * MIN, 40, 0.9, 'errors')],
        incidents: 1,
        stacks: [[API]],
      },
      {
        name: 'opens a second incident for the same stack after the first went quiet',
        inputs: [a(API, 'cpu', T0 + 1 * MIN), a(API, 'cpu', T0 + 20 * MIN)],
        incidents: 2,
      },
      {
        name: 'groups a linked stack that turns anomalous within the window',
        inputs: [a(DB, 'cpu', T0 + 1 * MIN), a(API, 'latency', T0 + 5 * MIN, 900, 0.8, 'latency'), a(WEB, 'errors', T0 + 8 * MIN, 12, 0.9, 'errors')],
        incidents: 1,
        stacks: [[DB, API, WEB]],
      },
      {
        name: 'keeps a linked stack apart when it turns anomalous outside the window',
        inputs: [a(DB, 'cpu', T0 + 1 * MIN), a(API, 'latency', T0 + 13 * MIN, 900, 0.8, 'latency')],
        incidents: 2,
        stacks: [[DB], [API]],
      },
      {
        name: 'keeps an unlinked stack apart even within the window',
        inputs: [a(API, 'cpu', T0 + 1 * MIN), a(OTHER, 'cpu', T0 + 2 * MIN)],
        incidents: 2,
        stacks: [[API], [OTHER]],
      },
      {
        name: 'groups an ALARM with the anomalies of its stack',
        inputs: [a(API, 'cpu', T0 + 1 * MIN), alarm(API, 'api-cpu-high', 'ALARM', T0 + 2 * MIN)],
        incidents: 1,
      },
      {
        name: 'opens nothing for points below their threshold or alarms that are OK',
        inputs: [a(API, 'cpu', T0 + 1 * MIN, 40, 0.2), alarm(API, 'api-cpu-high', 'OK', T0 + 2 * MIN), alarm(API, 'x', 'INSUFFICIENT_DATA', T0 + 3 * MIN)],
        incidents: 0,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const { events } = replay(c.inputs, T0 + 60 * MIN);
        const o = opened(events);
        assert.equal(o.length, c.incidents, JSON.stringify(o.map((e) => e.incident.stacks)));
        if (c.stacks) {
          const resolved = events.filter((e) => e.type === 'resolved').map((e) => e.incident.stacks);
          assert.deepEqual(resolved, c.stacks);
        }
      });
    }

    it('does not group linked stacks without a topology', () => {
      const { events } = replay([a(DB, 'cpu', T0 + 1 * MIN), a(API, 'cpu', T0 + 2 * MIN)], T0 + 60 * MIN, {});
      assert.equal(opened(events).length, 2);
    });
  });

  describe('updates', () => {
    it('appends new signals and evidence to the open incident instead of duplicating it', () => {
      const { events } = replay([a(API, 'cpu', T0 + 1 * MIN, 91), a(API, 'cpu', T0 + 2 * MIN, 95), a(API, 'errors', T0 + 3 * MIN, 30, 0.9, 'errors')], T0 + 5 * MIN);
      assert.deepEqual(events.map((e) => e.type), ['opened', 'updated']);
      const inc = events[1]!.incident;
      assert.equal(events[0]!.incidentId, events[1]!.incidentId);
      assert.deepEqual(inc.signals.map((s) => [s.signalId, s.points, s.lastValue]), [['cpu', 2, 95], ['errors', 1, 30]]);
      assert.equal(inc.updatedAt, T0 + 3 * MIN);
      assert.equal(inc.evidence.length, 2);
      assert.match(events[1]!.changes[0]!, /errors \(errors\) anomalous: value 30, score 0\.90/);
    });

    it('emits no update for more points of a signal it already holds', () => {
      const { events } = replay([a(API, 'cpu', T0 + 1 * MIN), a(API, 'cpu', T0 + 2 * MIN), a(API, 'cpu', T0 + 3 * MIN)], T0 + 5 * MIN);
      assert.deepEqual(events.map((e) => e.type), ['opened']);
    });

    it('records an alarm returning to OK and counts quiet from then', () => {
      const inputs = [alarm(API, 'api-cpu-high', 'ALARM', T0 + 1 * MIN), alarm(API, 'api-cpu-high', 'OK', T0 + 20 * MIN)];
      const { events } = replay(inputs, T0 + 60 * MIN);
      assert.deepEqual(events.map((e) => e.type), ['opened', 'updated', 'resolved']);
      assert.equal(events[2]!.at, T0 + 35 * MIN);
    });
  });

  describe('resolution', () => {
    it('resolves once every signal has been normal for the quiet period, in signal time', () => {
      const { events, state } = replay([a(API, 'cpu', T0 + 1 * MIN), a(API, 'cpu', T0 + 6 * MIN)], T0 + 30 * MIN);
      const resolved = events.filter((e) => e.type === 'resolved');
      assert.equal(resolved.length, 1);
      assert.equal(resolved[0]!.at, T0 + 21 * MIN);
      assert.equal(resolved[0]!.incident.status, 'resolved');
      assert.equal(state.open.length, 0);
    });

    it('stays open while an alarm is in ALARM, however long', () => {
      const { state } = replay([alarm(API, 'api-cpu-high', 'ALARM', T0 + 1 * MIN)], T0 + 120 * MIN);
      assert.equal(state.open.length, 1);
    });

    it('honours a configured quiet period', () => {
      const { events } = replay([a(API, 'cpu', T0 + 1 * MIN)], T0 + 30 * MIN, { ...opts, quietMs: 5 * MIN });
      assert.equal(events.find((e) => e.type === 'resolved')!.at, T0 + 6 * MIN);
    });
  });

  describe('replay', () => {
    const inputs = [
      a(DB, 'cpu', T0 + 1 * MIN),
      a(API, 'latency', T0 + 3 * MIN, 700, 0.7, 'latency'),
      alarm(API, 'api-latency', 'ALARM', T0 + 4 * MIN),
      a(WEB, 'errors', T0 + 6 * MIN, 9, 0.95, 'errors'),
      alarm(API, 'api-latency', 'OK', T0 + 12 * MIN),
      a(OTHER, 'cpu', T0 + 40 * MIN),
    ];

    it('gives the same ids and events when the same inputs are replayed from scratch', () => {
      const first = replay(inputs, T0 + 90 * MIN);
      const second = replay(inputs, T0 + 90 * MIN);
      assert.deepEqual(second.events, first.events);
      assert.deepEqual(opened(first.events).map((e) => e.incidentId), [`${DB}@20261129T0000Z`, `${OTHER}@20261129T0040Z`]);
    });

    it('gives the same incidents whether the inputs come in one batch or minute by minute', () => {
      const minuteByMinute = replay(inputs, T0 + 90 * MIN);
      const oneBatch = step(initialTrackerState(), [...inputs].reverse(), T0 + 90 * MIN, opts);
      const summary = (evs: readonly IncidentEvent[]) => evs.filter((e) => e.type === 'resolved').map((e) => [e.incidentId, e.at, e.incident.signals.length]);
      assert.deepEqual(summary(oneBatch.incidentEvents), summary(minuteByMinute.events));
    });

    it('changes nothing when a batch is redelivered while its incident is open', () => {
      const once = step(initialTrackerState(), inputs.slice(0, 4), T0 + 7 * MIN, opts);
      const twice = step(once.state, inputs.slice(0, 4), T0 + 7 * MIN, opts);
      assert.deepEqual(twice.incidentEvents, []);
      assert.deepEqual(twice.state, once.state);
      assert.equal(twice.ignored, 4);
    });

    it('does not reopen a resolved incident when its inputs are redelivered', () => {
      const done = replay(inputs, T0 + 90 * MIN);
      const again = step(done.state, inputs, T0 + 91 * MIN, opts);
      assert.deepEqual(again.incidentEvents, []);
    });

    it('leaves the given state untouched', () => {
      const before = initialTrackerState();
      const copy = structuredClone(before);
      step(before, inputs, T0 + 10 * MIN, opts);
      assert.deepEqual(before, copy);
    });
  });

  describe('state', () => {
    it('round-trips through JSON and parses back', () => {
      const { state } = replay([a(API, 'cpu', T0 + 1 * MIN), alarm(API, 'x', 'ALARM', T0 + 2 * MIN)], T0 + 5 * MIN);
      const back = parseTrackerState(JSON.parse(JSON.stringify(state)));
      assert.deepEqual(back, state);
      const later = [a(API, 'errors', T0 + 6 * MIN, 5, 0.9, 'errors')];
      assert.deepEqual(step(back, later, T0 + 7 * MIN, opts), step(state, later, T0 + 7 * MIN, opts));
    });

    it('rejects a malformed state, naming the field', () => {
      assert.throws(() => parseTrackerState({ version: 1, clock: null, open: [{ id: 'x' }], recent: [] }), /open\[0\]\.status/);
    });

    it('stays bounded however many signals, stacks and incidents there are', () => {
      const bounds: TrackerOptions = { maxOpenIncidents: 5, maxSignalsPerIncident: 4, maxEvidenceLines: 3, maxRecentResolved: 7 };
      let state = initialTrackerState();
      for (let m = 0; m < 600; m++) {
        const t = T0 + m * MIN;
        // One stack that never calms down, with ever new signals, and many that flare up once.
        const batch = Array.from({ length: 20 }, (_, i) => (i < 10 ? a('infra/./hot', `sig${(m + i) % 30}`, t) : a(`infra/./s${(m * 10 + i) % 50}`, 'cpu', t)));
        state = step(state, batch, t, bounds).state;
        assert.ok(state.open.length <= 5);
        for (const inc of state.open) {
          assert.ok(inc.signals.length <= 4 && inc.evidence.length <= 3);
        }
        assert.ok(state.recent.length <= 7);
      }
      assert.ok(JSON.stringify(state).length < 20_000, `state is ${JSON.stringify(state).length} bytes`);
      assert.ok(state.open.some((inc) => inc.omitted > 0));
    });
  });
});
