import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { chunk } from './metrics-publisher.ts';
import type { FleetModel, ServiceShape } from './fleet-model.ts';
import { logLinesOf, sandboxLogGroup, type RunningVersion } from './log-lines.ts';
import { historySamples, type ServiceSample } from './scenarios.ts';
import { timestampOfMinute, type SimTimeline } from './sim-clock.ts';

/**
 * The sandbox's CloudWatch Logs adapter: writes each service's lines
 * ({@link logLinesOf}) to its log group (one stream, `<service>-1`) with
 * PutLogEvents, as the services' own log agents would in a cloud. Lines of
 * simulated minute `m` are stamped within that minute on the timeline, like
 * the metrics.
 */
export interface LogPublisherOptions {
  /** A Logs client; the publisher does not destroy it. */
  client: Pick<CloudWatchLogsClient, 'send'>;
  timeline: SimTimeline;
  seed: number;
}

/** Events per PutLogEvents call, under the API's 10,000 (and its 1 MB, with these short lines). */
const EVENTS_PER_CALL = 5000;

export function createLogPublisher(options: LogPublisherOptions) {
  const { client, timeline, seed } = options;
  const ready = new Set<string>();
  const streamOf = (serviceName: string) => `${serviceName}-1`;

  /** Creates a service's group and stream unless they exist (a second run against the same moto finds them). */
  async function ensure(serviceName: string): Promise<void> {
    if (ready.has(serviceName)) return;
    const group = sandboxLogGroup(serviceName);
    await unlessExists(client.send(new CreateLogGroupCommand({ logGroupName: group })));
    await unlessExists(client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: streamOf(serviceName) })));
    ready.add(serviceName);
  }

  /** Writes the lines of these samples, each service's in time order; returns how many. */
  async function publish(samples: readonly ServiceSample[], runningOf: (serviceName: string) => RunningVersion): Promise<number> {
    let written = 0;
    for (const serviceName of new Set(samples.map((s) => s.serviceName))) {
      await ensure(serviceName);
      const events: InputLogEvent[] = samples
        .filter((s) => s.serviceName === serviceName)
        .flatMap((s) => {
          const start = timestampOfMinute(timeline, s.minute);
          return logLinesOf(s, runningOf(serviceName), seed).map((l) => ({ timestamp: Math.floor(start + l.at * timeline.periodMs), message: l.message }));
        })
        .sort((a, b) => a.timestamp! - b.timestamp!);
      for (const logEvents of chunk(events, EVENTS_PER_CALL)) {
        await client.send(new PutLogEventsCommand({ logGroupName: sandboxLogGroup(serviceName), logStreamName: streamOf(serviceName), logEvents }));
      }
      written += events.length;
    }
    return written;
  }

  return {
    publish,
    /** Healthy history (minutes −N … −1) for `services` as they are, beside the metrics' backfill. */
    backfill(model: FleetModel, services: readonly ServiceShape[], minutes: number): Promise<number> {
      const versions = new Map(services.map((s) => [s.name, s.version]));
      return publish(historySamples(model, services, minutes), (name) => ({ version: versions.get(name) ?? '', bad: false }));
    },
  };
}
/** Waits for a create call; that the thing already exists is fine. */
async function unlessExists(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if ((err as Error).name !== 'ResourceAlreadyExistsException') throw err;
  }
}

export type LogPublisher = ReturnType<typeof createLogPublisher>;
