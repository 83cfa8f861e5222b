import { CloudWatchServiceException, PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createCloudWatchClient } from '../../../orchestrator/telemetry/cloudwatch-reader.ts';
import type { TelemetryEvent } from '../../../orchestrator/telemetry/telemetry-poller.ts';
import type { HealthSignal } from '../../../stacks/contract.ts';
import { testServices, uniqueId } from '../../support/services.ts';

export const MIN = 60_000;

/** A CloudWatch client on the suite's moto, with dummy credentials. */
export function motoClient(): CloudWatchClient {
  return createCloudWatchClient({ endpoint: testServices().motoUrl, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, disableRequestCompression: true });
}

/**
 * Per test: its own namespace and dimension value (moto matches dimensioned
 * queries across namespaces), its own Redis prefix, and a fixed minute-aligned
 * clock an hour back, so data and polls line up exactly.
 */
export function telemetryFixture() {
  const id = uniqueId('tel');
  const namespace = `Homeostat/${id}`;
  const base = Math.floor(Date.now() / MIN) * MIN - 120 * MIN;
  const redis: Redis = createRedis(testServices().redisUrl);
  const prefix = uniqueId('telemetry');
  const cw = motoClient();
  const signal = (sid: string, metricName = sid, over: Partial<HealthSignal> = {}): HealthSignal => ({
    id: sid, namespace, metricName, dimensions: { Test: id }, stat: 'Average', period: 60, role: 'utilisation', higherIsWorse: true, resource: 'web', ...over,
  });
  return {
    id, namespace, base, redis, prefix, cw, signal,
    /** Writes one value per minute `base + minute`, 1000 metrics a call at most. */
    async put(metricName: string, minutes: number[], value: (minute: number) => number = (m) => m) {
      for (let i = 0; i < minutes.length; i += 1000) {
        await cw.send(new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: minutes.slice(i, i + 1000).map((m) => ({ MetricName: metricName, Dimensions: [{ Name: 'Test', Value: id }], Timestamp: new Date(base + m * MIN), Value: value(m) })),
        }));
      }
    },
    async cleanup() {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      cw.destroy();
    },
  };
}

/** Collects what a poller emits. */
export function collector() {
  const events: TelemetryEvent[] = [];
  return {
    events,
    sink: (e: TelemetryEvent) => void events.push(e),
    points: () => events.flatMap((e) => (e.kind === 'points' ? e.points : [])),
    clear: () => void events.splice(0),
  };
}

/** Throws `make()` from `send` of the client's GetMetricData calls while `when(input)` says so; other calls go to moto. */
export function injectFault(cw: CloudWatchClient, command: string, when: (input: Record<string, unknown>) => boolean, make: () => Error): void {
  cw.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && when(args.input as Record<string, unknown>)) throw make();
      return next(args);
    },
    { step: 'initialize', name: `inject-${command}-${Math.random()}` },
  );
}

export function serviceError(name: string, httpStatusCode: number, message: string): Error {
  return new CloudWatchServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, message });
}
