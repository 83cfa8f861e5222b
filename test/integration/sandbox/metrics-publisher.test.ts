import assert from 'node:assert/strict';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { createFleetModel, type ServiceShape } from '../../../sandbox/fleet-model.ts';
import { createMetricsPublisher, SANDBOX_METRICS } from '../../../sandbox/metrics-publisher.ts';
import { fleetSamplesAt, historySamples, scenario, type ServiceSample } from '../../../sandbox/scenarios.ts';
import { MINUTE_MS, simTimeline } from '../../../sandbox/sim-clock.ts';
import { testServices, uniqueId } from '../../support/services.ts';

describe('sandbox: metrics publisher → CloudWatch (moto)', function () {
  this.timeout(60_000);
  let cw: CloudWatchClient;

  before(() => {
    // moto cannot read the gzipped bodies the SDK sends above 10 KB.
    cw = new CloudWatchClient({
      endpoint: testServices().motoUrl, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, disableRequestCompression: true,
    });
  });
  after(() => cw?.destroy());

  async function read(namespace: string, serviceName: string, startMs: number, endMs: number, stat: 'Average' | 'Sum') {
    const res = await cw.send(new GetMetricDataCommand({
      StartTime: new Date(startMs),
      EndTime: new Date(endMs),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: Object.entries(SANDBOX_METRICS).map(([id, metricName]) => ({
        Id: id.toLowerCase(),
        MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: [{ Name: 'ServiceName', Value: serviceName }] }, Period: 60, Stat: stat },
      })),
    }));
    const byId = new Map<string, MetricDataResult>((res.MetricDataResults ?? []).map((r) => [r.Id!, r]));
    /** timestamp ms → value, of one metric */
    return (id: keyof typeof SANDBOX_METRICS) => {
      const r = byId.get(id.toLowerCase());
      assert.ok(r, `a result for ${id}`);
      return new Map((r.Timestamps ?? []).map((t, i) => [t.getTime(), r.Values![i]!]));
    };
  }

  it('publishes a backfill and live minutes that read back as published', async () => {
    // A namespace and service names of this test's own keep it apart in the shared moto.
    const namespace = `Homeostat/${uniqueId('sbx')}`;
    const fleet: ServiceShape[] = [
      { name: uniqueId('checkout'), capacity: 2, instanceSize: 'small', version: 'v1.0.0' },
      { name: uniqueId('search'), capacity: 3, instanceSize: 'medium', version: 'v1.0.0' },
    ];
    const timeline = simTimeline(Date.now(), 60);
    const publisher = createMetricsPublisher({ client: cw, timeline, namespace });
    const model = createFleetModel({ seed: 31 });

    // 150 minutes of history, five metrics: 1500 datums, two calls, each above 10 KB uncompressed.
    const backfill = await publisher.backfill(model, fleet, 150);
    assert.deepEqual(backfill, { datums: 1500, calls: 2 });

    // Then five live minutes under a traffic spike, one call per simulated minute, as the sandbox does.
    const spike = scenario('traffic-spike', { onsetMinute: 2 });
    const live: ServiceSample[] = [];
    for (let m = 0; m < 5; m++) {
      const samples = fleetSamplesAt(model, fleet, m, spike);
      live.push(...samples);
      assert.deepEqual(await publisher.publish(samples), { datums: 10, calls: 1 });
    }

    const all = [...historySamples(model, fleet, 150), ...live];
    const start = publisher.timestampOf(-150);
    const end = publisher.timestampOf(5);
    assert.ok(end <= Date.now(), 'every timestamp is in the past');
    for (const svc of fleet) {
      const mine = all.filter((s) => s.serviceName === svc.name);
      assert.equal(mine.length, 155);
      const avg = await read(namespace, svc.name, start, end, 'Average');
      const sum = await read(namespace, svc.name, start, end, 'Sum');
      const series = { cpu: avg('cpu'), latency: avg('latencyP95'), errors: avg('errorRate'), requests: sum('requestCount'), disk: avg('diskUsedPercent') };
      for (const [k, v] of Object.entries(series)) assert.equal(v.size, 155, `${svc.name} ${k}: one point per minute`);
      for (const s of mine) {
        const t = publisher.timestampOf(s.minute);
        assert.equal(series.cpu.get(t), s.cpu, `${svc.name} cpu at minute ${s.minute}`);
        assert.equal(series.latency.get(t), s.latencyP95, `${svc.name} latency at minute ${s.minute}`);
        assert.equal(series.errors.get(t), s.errorRate, `${svc.name} errors at minute ${s.minute}`);
        assert.equal(series.requests.get(t), s.requestCount, `${svc.name} requests at minute ${s.minute}`);
        assert.equal(series.disk.get(t), s.diskUsedPercent, `${svc.name} disk at minute ${s.minute}`);
      }
      // Consecutive points are one 60 s period apart.
      const ts = [...series.cpu.keys()].sort((a, b) => a - b);
      for (let i = 1; i < ts.length; i++) assert.equal(ts[i]! - ts[i - 1]!, MINUTE_MS);
    }
    // The spike shows in the live minutes of the 2-instance service.
    const checkoutCpu = live.filter((s) => s.serviceName === fleet[0]!.name).map((s) => s.cpu);
    assert.ok(checkoutCpu[1]! < 70 && checkoutCpu[3]! > 90, JSON.stringify(checkoutCpu));
  });
});
