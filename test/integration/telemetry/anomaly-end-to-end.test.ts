import assert from 'node:assert/strict';
import { createAnomalyStage } from '../../../orchestrator/telemetry/anomaly-stage.ts';
import type { Anomaly } from '../../../orchestrator/telemetry/anomaly.ts';
import { createCloudWatchReader } from '../../../orchestrator/telemetry/cloudwatch-reader.ts';
import { createRedisTelemetryStore } from '../../../orchestrator/telemetry/redis-telemetry-store.ts';
import { createTelemetryPoller } from '../../../orchestrator/telemetry/telemetry-poller.ts';
import type { WatchedStack } from '../../../orchestrator/telemetry/series.ts';
import type { MetricPoint } from '../../../orchestrator/telemetry/series.ts';
import { MIN, telemetryFixture } from './fixture.ts';

/** Seeded noise around 50, so the series and the verdict never change. */
function noise(seed: number): (m: number) => number {
  return (m) => 50 + 3 * Math.sin(m * 12.9898 + seed) * Math.cos(m * 78.233 + seed * 7);
}

describe('CloudWatch to anomaly, end to end (moto, Redis)', function () {
  this.timeout(60_000);
  let fx: ReturnType<typeof telemetryFixture>;
  beforeEach(() => {
    fx = telemetryFixture();
  });
  afterEach(() => fx.cleanup());

  it('reports an injected spike as an anomaly of its series, and a restart resumes the detector', async () => {
    const SPIKE = 230;
    const calm = noise(1);
    await fx.put('latency', Array.from({ length: 240 }, (_, m) => m), (m) => (m === SPIKE ? 400 : calm(m)));
    await fx.put('steady', Array.from({ length: 240 }, (_, m) => m), noise(2));
    const stack: WatchedStack = { stackKey: 'infra/./web', alarms: [], healthSignals: [fx.signal('latency'), fx.signal('steady')] };
    const store = createRedisTelemetryStore({ redis: fx.redis, prefix: fx.prefix });

    const anomalies: Anomaly[] = [];
    const run = (minute: number) => {
      const stage = createAnomalyStage({ store, onAnomalies: (a) => void anomalies.push(...a) });
      const poller = createTelemetryPoller({
        reader: createCloudWatchReader({ client: fx.cw }),
        store,
        stacks: [stack],
        onEvent: stage.sink,
        now: () => fx.base + minute * MIN,
        options: { settleMs: 0, initialLookbackMs: 300 * MIN },
      });
      return { stage, poller };
    };

    // Up to just before the spike: warm-up and calm, nothing to report.
    const first = run(SPIKE);
    await first.poller.pollOnce();
    assert.equal(anomalies.length, 0, JSON.stringify(anomalies));

    // A new process, same store: detectors resume, and the spike is found.
    const second = run(240);
    const summary = await second.poller.pollOnce();
    assert.equal(summary.points, 2 * (240 - SPIKE));
    assert.equal(anomalies.length, 1, JSON.stringify(anomalies));
    const [a] = anomalies;
    assert.equal(a!.seriesId, `infra/./web|${fx.namespace}|latency|Test=${fx.id}|Average`);
    assert.equal(a!.signalId, 'latency');
    assert.equal(a!.stackKey, 'infra/./web');
    assert.equal(a!.timestamp, fx.base + SPIKE * MIN);
    assert.equal(a!.value, 400);
    assert.ok(a!.score >= a!.threshold && a!.threshold > 0);

    // A batch delivered again changes nothing: the detector skips what it has learnt.
    const replay: MetricPoint[] = [{ seriesId: a!.seriesId, stackKey: a!.stackKey, signalId: a!.signalId, timestamp: a!.timestamp, value: 400 }];
    assert.deepEqual(await second.stage.handlePoints(replay), []);
  });
});
