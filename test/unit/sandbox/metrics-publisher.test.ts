import assert from 'node:assert/strict';
import type { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createFleetModel } from '../../../sandbox/fleet-model.ts';
import { chunk, createMetricsPublisher, MAX_DATUMS_PER_CALL, SANDBOX_METRICS_NAMESPACE, sampleDatums } from '../../../sandbox/metrics-publisher.ts';
import { historySamples } from '../../../sandbox/scenarios.ts';
import { liveTimeline, simTimeline } from '../../../sandbox/sim-clock.ts';
import { SANDBOX_NAMESPACE } from '../../../stacks/sandbox/index.ts';

/** A client that records the PutMetricData inputs it is sent. */
function recordingClient() {
  const inputs: PutMetricDataCommand['input'][] = [];
  return {
    inputs,
    client: {
      send: async (cmd: PutMetricDataCommand) => {
        inputs.push(cmd.input);
        return {};
      },
    } as unknown as Parameters<typeof createMetricsPublisher>[0]['client'],
  };
}

describe('sandbox: metrics publisher', () => {
  it('publishes under the sandbox stack namespace by default', () => {
    assert.equal(SANDBOX_METRICS_NAMESPACE, SANDBOX_NAMESPACE);
    const { client } = recordingClient();
    assert.equal(createMetricsPublisher({ client, timeline: simTimeline(0, 0) }).namespace, 'Homeostat/Sandbox');
  });

  it('turns a sample into the five health-signal datums, dimension ServiceName', () => {
    const d = sampleDatums({ serviceName: 'checkout', minute: 3, requestCount: 120, cpu: 55.5, latencyP95: 170.2, errorRate: 0.12, diskUsedPercent: 31.5 }, 180_000);
    assert.deepEqual(d.map((x) => [x.MetricName, x.Value, x.Unit]), [
      ['CPUUtilization', 55.5, 'Percent'],
      ['LatencyP95', 170.2, 'Milliseconds'],
      ['ErrorRate', 0.12, 'Percent'],
      ['RequestCount', 120, 'Count'],
      ['DiskUsedPercent', 31.5, 'Percent'],
    ]);
    for (const x of d) {
      assert.deepEqual(x.Dimensions, [{ Name: 'ServiceName', Value: 'checkout' }]);
      assert.equal(x.Timestamp?.getTime(), 180_000);
    }
  });

  it('stamps minute m at origin + m·60 s and batches at most 1000 datums a call', async () => {
    const { client, inputs } = recordingClient();
    const t0 = Date.UTC(2025, 5, 1, 10, 0, 17);
    const timeline = simTimeline(t0, 120);
    const pub = createMetricsPublisher({ client, timeline, namespace: 'Homeostat/Test' });
    const model = createFleetModel({ seed: 1 });
    const fleet = [
      { name: 'checkout', capacity: 2, instanceSize: 'small' as const, version: 'v1' },
      { name: 'search', capacity: 3, instanceSize: 'small' as const, version: 'v1' },
    ];
    const samples = historySamples(model, fleet, 300); // 300 min × 2 services × 5 metrics = 3000 datums
    const res = await pub.publish(samples);
    assert.deepEqual(res, { datums: 3000, calls: 3 });
    assert.deepEqual(inputs.map((i) => i.MetricData?.length), [1000, 1000, 1000]);
    assert.ok(inputs.every((i) => i.Namespace === 'Homeostat/Test'));
    const first = inputs[0]!.MetricData![0]!;
    assert.equal(first.Timestamp?.getTime(), Date.UTC(2025, 5, 1, 8, 0) - 300 * 60_000);
    assert.equal(pub.timestampOf(120), Date.UTC(2025, 5, 1, 10, 0));
    assert.deepEqual(await pub.publish([]), { datums: 0, calls: 0 });
    assert.equal(inputs.length, 3, 'nothing to publish, no call');
  });

  it('rejects a batch size above the API limit', () => {
    const { client } = recordingClient();
    assert.throws(() => createMetricsPublisher({ client, timeline: simTimeline(0, 0), batchSize: MAX_DATUMS_PER_CALL + 1 }), /batchSize/);
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.throws(() => chunk([1], 0), /chunk size/);
  });

  it('publishes high-resolution datums when a simulated minute is shorter than a real one', async () => {
    assert.ok(sampleDatums({ serviceName: 'checkout', minute: 0, requestCount: 1, cpu: 1, latencyP95: 1, errorRate: 0, diskUsedPercent: 0 }, 0).every((d) => d.StorageResolution === undefined));
    const { client, inputs } = recordingClient();
    const timeline = liveTimeline(Date.UTC(2025, 5, 1, 10, 0, 17, 250), 1);
    const pub = createMetricsPublisher({ client, timeline });
    await pub.publish([{ serviceName: 'checkout', minute: 3, requestCount: 120, cpu: 55.5, latencyP95: 170.2, errorRate: 0.12, diskUsedPercent: 31.5 }]);
    const data = inputs[0]!.MetricData!;
    assert.ok(data.every((d) => d.StorageResolution === 1));
    assert.equal(data[0]!.Timestamp?.getTime(), Date.UTC(2025, 5, 1, 10, 0, 20));
  });
});
