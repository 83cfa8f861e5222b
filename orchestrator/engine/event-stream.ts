import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';

/**
 * Receives a `pulumi` command's engine events over the engine's own event
 * stream: `--event-log tcp://127.0.0.1:<port>` makes the CLI send each event
 * to an `Events` gRPC service, as the Automation API does for engines past
 * 3.205.
 *
 * Why not the event log file: `pulumi up` writes its preview and its update
 * to the same file, truncating it between the two and numbering each from 0
 * again. A tail that polls cannot tell the second log from the first once it
 * has grown past the first's length, and drops events whose numbers it has
 * already seen; a stream has neither problem. The engine waits for the
 * service's answer to each stream before it exits, so every event has been
 * passed on by the time the process is gone.
 */

// The same gRPC library and generated service that @pulumi/pulumi speaks, loaded from where it resolves them.
const requireFromPulumi = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi'));
const grpc = requireFromPulumi('@grpc/grpc-js') as typeof Grpc;
const eventsRpc = requireFromPulumi('./proto/events_grpc_pb') as { EventsService: Grpc.ServiceDefinition };
const { Empty } = requireFromPulumi('google-protobuf/google/protobuf/empty_pb') as { Empty: new () => unknown };
const { grpcChannelOptions } = requireFromPulumi('./runtime') as { grpcChannelOptions: Grpc.ServerOptions };

interface EventRequest {
  getEvent(): string;
}

export interface EngineEventStream {
  /** What to pass as `--event-log`. */
  address: string;
  close(): void;
}

export async function openEngineEventStream(onEvent: (e: EngineEvent) => void): Promise<EngineEventStream> {
  const server = new grpc.Server(grpcChannelOptions);
  server.addService(eventsRpc.EventsService, {
    streamEvents(call: Grpc.ServerReadableStream<EventRequest, unknown>, done: Grpc.sendUnaryData<unknown>) {
      call.on('data', (request: EventRequest) => {
        // The engine writes each event with a JSON encoder; a line that is not one is not an event.
        let event: EngineEvent;
        try {
          event = JSON.parse(request.getEvent()) as EngineEvent;
        } catch {
          return;
        }
        onEvent(event);
      });
      call.on('end', () => done(null, new Empty()));
      call.on('error', (err) => done(err, null));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    address: `tcp://127.0.0.1:${port}`,
    close: () => server.forceShutdown(),
  };
}
