/**
 * Ingestion bench: writes N series (a few points each) to a moto server of
 * its own, then polls them once through the telemetry poller, and prints
 *   ingestion series=… points=… get_metric_data_calls=… seconds=…
 * where seconds is the poll alone (writing is set-up). `BENCH_SERIES`
 * (default 10000) and `BENCH_POINTS` (default 3) change the size.
 *
 * moto answers GetMetricData in time proportional to queries x datapoints in
 * the window (it scans every stored point per query), so its figure says
 * more about moto than about the poller; the call count is the poller's.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { startMoto } from '../orchestrator/runtime/local-services.ts';
import { createCloudWatchClient, createCloudWatchReader } from '../orchestrator/telemetry/cloudwatch-reader.ts';
import { createTelemetryPoller } from '../orchestrator/telemetry/telemetry-poller.ts';
import { createMemoryTelemetryStore } from '../orchestrator/telemetry/telemetry-store.ts';
import type { HealthSignal } from '../stacks/contract.ts';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3);
/** CloudWatch accepts up to 1000 metrics (and 1 MB) per PutMetricData call. */
const PUT_BATCH = 1000;
const MIN = 60_000;
const NAMESPACE = 'Homeostat/Bench';

const moto = await startMoto();
try {
  const client = createCloudWatchClient({ endpoint: moto.url, region: 'eu-west-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, disableRequestCompression: true });
  const base = Math.floor(Date.now() / MIN) * MIN - (POINTS + 2) * MIN;
  const name = (i: number) => `m${String(i).padStart(5, '0')}`;

  // Set-up: every point of every series, 1000 metrics a call.
  const data = Array.from({ length: SERIES * POINTS }, (_, k) => ({ MetricName: name(Math.floor(k / POINTS)), Timestamp: new Date(base + (k % POINTS) * MIN), Value: k % 97 }));
  const writeStart = performance.now();
  for (let i = 0; i < data.length; i += PUT_BATCH) await client.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(i, i + PUT_BATCH) }));
  const writeSeconds = (performance.now() - writeStart) / 1000;

  const healthSignals: HealthSignal[] = Array.from({ length: SERIES }, (_, i) => ({
    id: `s${i}`, namespace: NAMESPACE, metricName: name(i), dimensions: {}, stat: 'Average', period: 60, role: 'demand', higherIsWorse: true, resource: 'bench',
  }));
  let points = 0;
  const poller = createTelemetryPoller({
    reader: createCloudWatchReader({ client }),
    store: createMemoryTelemetryStore(),
    stacks: [{ stackKey: 'bench/./bench', healthSignals, alarms: [] }],
    onEvent: (e) => {
      if (e.kind === 'points') points += e.points.length;
    },
    now: () => base + (POINTS + 1) * MIN,
    options: { settleMs: 0, initialLookbackMs: (POINTS + 2) * MIN },
  });
  const pollStart = performance.now();
  const summary = await poller.pollOnce();
  const seconds = (performance.now() - pollStart) / 1000;
  const stale = poller.signalHealth().filter((h) => h.status === 'stale').length;
  console.log(`(set-up: ${data.length} datapoints written in ${Math.ceil(data.length / PUT_BATCH)} PutMetricData calls, ${writeSeconds.toFixed(1)} s; retries=${summary.retries} stale=${stale})`);
  console.log(`ingestion series=${SERIES} points=${points} get_metric_data_calls=${summary.getMetricDataCalls} seconds=${seconds.toFixed(2)}`);
  if (points !== SERIES * POINTS) process.exitCode = 1;
  client.destroy();
} finally {
  await moto.stop();
}
