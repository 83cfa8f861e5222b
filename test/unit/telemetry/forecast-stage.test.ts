import assert from 'node:assert/strict';
import type { PredictedBreach } from '../../../orchestrator/correlate/predicted-breach.ts';
import { createForecastStage, type SeriesPoint } from '../../../orchestrator/telemetry/forecast-stage.ts';
import { seriesId, type WatchedStack } from '../../../orchestrator/telemetry/series.ts';
import { createMemoryTelemetryStore, type TelemetryStore } from '../../../orchestrator/telemetry/telemetry-store.ts';
import type { HealthSignal } from '../../../stacks/contract.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1);
const STACK = 'infra/./sandbox';

function signal(id: string, role: HealthSignal['role'], limit?: number): HealthSignal {
  return { id, namespace: 'Homeostat/Sandbox', metricName: id, dimensions: { ServiceName: 'checkout' }, stat: 'Average', period: 60, role, higherIsWorse: role !== 'demand', ...(limit === undefined ? {} : { limit }), resource: 'checkout' };
}
const DISK = signal('disk', 'utilisation', 100);
const REQUESTS = signal('requests', 'demand');
const WATCHED: WatchedStack[] = [{ stackKey: STACK, healthSignals: [DISK, REQUESTS], alarms: [] }];
const DISK_ID = seriesId(STACK, DISK);
const REQUESTS_ID = seriesId(STACK, REQUESTS);

/** Disk filling 1 point a minute from 40%, and demand rising as fast: minutes `from` to `to` (exclusive). */
function minutes(from: number, to: number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let m = from; m < to; m++) {
    const wobble = ((m * 7919) % 11) / 10 - 0.5;
    out.push({ seriesId: DISK_ID, timestamp: T0 + m * MIN, value: 40 + m + wobble });
    out.push({ seriesId: REQUESTS_ID, timestamp: T0 + m * MIN, value: 100 + 5 * m });
  }
  return out;
}

function stage(store: TelemetryStore, sink: PredictedBreach[][], fail = false) {
  return createForecastStage({
    store,
    stacks: () => WATCHED,
    horizonMs: 30 * MIN,
    minConfidence: 0.9,
    onPredictions: (p) => {
      if (fail) throw new Error('queue unavailable');
      sink.push([...p]);
    },
  });
}

describe('forecast stage', () => {
  it('warns of a filling disk once per batch, at its newest point, and leaves demand alone', async () => {
    const sink: PredictedBreach[][] = [];
    const s = stage(createMemoryTelemetryStore(), sink);
    // 40 minutes in: 79%, the limit about 21 minutes ahead.
    const got = await s.handlePoints(minutes(0, 40));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.seriesId, DISK_ID);
    assert.equal(got[0]!.signalId, 'disk');
    assert.equal(got[0]!.timestamp, T0 + 39 * MIN);
    assert.ok(Math.abs(got[0]!.timeToBreachMs / MIN - 21) < 3, `${got[0]!.timeToBreachMs / MIN} min`);
    assert.deepEqual(sink, [got]);
    assert.equal(s.size(), 1, 'only the saturating series is forecast');
  });

  it('says nothing while the limit is beyond the horizon', async () => {
    const s = stage(createMemoryTelemetryStore(), []);
    assert.deepEqual(await s.handlePoints(minutes(0, 20)), []);
  });

  it('a batch delivered twice changes nothing', async () => {
    const store = createMemoryTelemetryStore();
    const s = stage(store, []);
    await s.handlePoints(minutes(0, 40));
    const saved = await store.forecasterStates([DISK_ID]);
    assert.deepEqual(await s.handlePoints(minutes(30, 40)), []);
    assert.deepEqual(await store.forecasterStates([DISK_ID]), saved);
  });

  it('resumes from the saved state in a new process as if it had never stopped', async () => {
    const store = createMemoryTelemetryStore();
    await stage(store, []).handlePoints(minutes(0, 30));
    const resumed = await stage(store, []).handlePoints(minutes(30, 40));
    const straight = await stage(createMemoryTelemetryStore(), []).handlePoints(minutes(0, 40));
    assert.deepEqual(resumed, straight);
  });

  it('forgets a batch whose predictions could not be handed over, so it is learnt again when it comes again', async () => {
    const store = createMemoryTelemetryStore();
    await stage(store, []).handlePoints(minutes(0, 30));
    const before = await store.forecasterStates([DISK_ID]);
    const failing = stage(store, [], true);
    await assert.rejects(failing.handlePoints(minutes(30, 40)), /queue unavailable/);
    assert.deepEqual(await store.forecasterStates([DISK_ID]), before);
    assert.equal(failing.size(), 0);
    const sink: PredictedBreach[][] = [];
    assert.equal((await stage(store, sink).handlePoints(minutes(30, 40))).length, 1);
  });

  it('starts a series afresh, with a warning naming it, when its stored state does not fit', async () => {
    const store = createMemoryTelemetryStore();
    await store.saveForecasterStates(new Map([[DISK_ID, { lastTimestamp: T0, snapshot: { version: 99, values: [] } }]]));
    const warnings: string[] = [];
    const s = createForecastStage({ store, stacks: () => WATCHED, horizonMs: 30 * MIN, minConfidence: 0.9, onPredictions: () => {}, onWarning: (m) => warnings.push(m) });
    assert.equal((await s.handlePoints(minutes(0, 40))).length, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /forecaster state of .*disk.* not restored \(forecaster snapshot\.version is 99/);
  });
});
