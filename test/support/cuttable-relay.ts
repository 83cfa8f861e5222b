import { createServer, connect, type Server, type Socket } from 'node:net';

export interface CuttableRelay {
  /** Where to connect instead of the target. */
  url: string;
  /** While true, every new connection is reset. */
  down: boolean;
  /** Goes down and drops the connections open now (kept-alive ones too). */
  cut(): void;
  mend(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay in front of a service (moto) that can be cut: while it is down,
 * every new connection is reset, as when CloudWatch is unreachable. The
 * service itself keeps running (other tests share it).
 */
export async function cuttableRelay(target: URL): Promise<CuttableRelay> {
  const sockets = new Set<Socket>();
  const relay: CuttableRelay = {
    url: '',
    down: false,
    cut() {
      relay.down = true;
      for (const s of sockets) s.destroy();
    },
    mend() {
      relay.down = false;
    },
    close: async () => {},
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (relay.down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  relay.url = `http://127.0.0.1:${port}`;
  relay.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return relay;
}
