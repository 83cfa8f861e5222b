import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { FleetSimulator } from '../../sandbox/fleet-simulator.ts';
import { prng } from './seeded-random.ts';

/**
 * A small, fast-running stand-in for a service's CloudWatch metrics in the
 * remediation tests: a history of healthy minutes, then one simulated
 * minute per `minuteMs` of real time, computed from the demand curve and
 * the fleet simulator's CURRENT capacity and version — so a scale-out or a
 * rollback applied by the engine shows in the metrics, as it would in the
 * cloud. Simulated time starts `headroomMinutes` in the past so that no
 * point is ever in the future.
 */
export interface LiveMetricsOptions {
  motoUrl: string;
  serviceName: string;
  fleet: FleetSimulator;
  /** Requests per minute at live minute `m` (0 is the first live minute). */
  demand: (minute: number) => number;
  /** CPU points that no capacity relieves (a runaway process) at live minute `m`; default none. */
  cpuHog?: (minute: number) => number;
  /** Default 240 healthy minutes before the live part. */
  historyMinutes?: number;
  /** Default 1000 ms of real time per simulated minute. */
  minuteMs?: number;
  /** Default 180. */
  headroomMinutes?: number;
  seed?: number;
}

export interface LiveMetrics {
  /** The live minute last published. */
  minute(): number;
  /** Epoch ms of a live minute. */
  timeOf(minute: number): number;
  /** When a live minute's points were sent to CloudWatch (epoch ms of the wall clock), once they were. */
  publishedAt(minute: number): number | undefined;
  /** Calls to CloudWatch that failed (and were made again). */
  failures(): string[];
  stop(): Promise<void>;
}

/** CPU of a service of `capacity` small instances at `demand` rpm: 45% at 1000 rpm on 2 instances. */
export function cpuAt(demand: number, capacity: number): number {
  return Math.min(97, (45 * (demand / 1000) * 2) / Math.max(1, capacity));
}

export async function startLiveMetrics(options: LiveMetricsOptions): Promise<LiveMetrics> {
  // moto cannot read the gzipped bodies the SDK sends above 10 KB.
  const cw = new CloudWatchClient({ endpoint: options.motoUrl, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, disableRequestCompression: true });
  const rand = prng(options.seed ?? 11);
  const minuteMs = options.minuteMs ?? 1000;
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - (options.headroomMinutes ?? 180) * 60_000;
  const dims = [{ Name: 'ServiceName', Value: options.serviceName }];

  const sample = (m: number, demand: number): MetricDatum[] => {
    const hog = m >= 0 ? (options.cpuHog?.(m) ?? 0) : 0;
    const svc = options.fleet.services()[0];
    const capacity = svc?.capacity ?? 2;
    const badVersion = svc !== undefined && svc.version !== 'v1.0.0';
    const cpu = Math.min(97, cpuAt(demand, capacity) + hog) * (0.97 + rand() * 0.06);
    const t = new Date(t0 + m * 60_000);
    return [
      { MetricName: 'CPUUtilization', Dimensions: dims, Timestamp: t, Value: cpu },
      { MetricName: 'RequestCount', Dimensions: dims, Timestamp: t, Value: demand * (0.97 + rand() * 0.06) },
      { MetricName: 'LatencyP95', Dimensions: dims, Timestamp: t, Value: 120 + Math.max(0, cpu - 80) * 15 + (badVersion ? 400 : 0) + rand() * 10 },
      { MetricName: 'ErrorRate', Dimensions: dims, Timestamp: t, Value: 0.4 + Math.max(0, cpu - 92) * 0.5 + (badVersion ? 8 : 0) + rand() * 0.2 },
    ];
  };
  const put = async (data: MetricDatum[]) => {
    for (let i = 0; i < data.length; i += 500) await cw.send(new PutMetricDataCommand({ Namespace: 'Homeostat/Sandbox', MetricData: data.slice(i, i + 500) }));
  };

  const history: MetricDatum[] = [];
  for (let m = -(options.historyMinutes ?? 240); m < 0; m++) history.push(...sample(m, options.demand(0)));
  await put(history);

  let published = -1;
  const sentAt: number[] = [];
  const failures: string[] = [];
  let stopped = false;
  const started = Date.now();
  const loop = (async () => {
    while (!stopped) {
      const due = Math.min(Math.floor((Date.now() - started) / minuteMs), Math.floor((Date.now() - t0) / 60_000));
      while (published < due && !stopped) {
        const next = published + 1;
        try {
          await put(sample(next, options.demand(next)));
        } catch (err) {
          // A busy moto may drop a call: the same minute is sent again, and the loop goes on.
          failures.push(String((err as Error).message));
          break;
        }
        published = next;
        sentAt[published] = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    minute: () => published,
    timeOf: (m) => t0 + m * 60_000,
    publishedAt: (m) => sentAt[m],
    failures: () => failures.slice(),
    async stop() {
      stopped = true;
      await loop;
      cw.destroy();
    },
  };
}
