import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Secret } from '../../orchestrator/config/secret.ts';
import { listen } from '../../orchestrator/http/http-server.ts';
import { spansFromProtobuf } from '../../orchestrator/traces/otlp-spans.ts';
import { createSpanAggregator } from '../../orchestrator/traces/span-aggregator.ts';
import { traceReceiverServer } from '../../test/support/trace-receiver.ts';
import { assertCounts } from './count-check.ts';
import { measured, type Cost } from './cost.ts';
import { stackOf, type SyntheticSpans } from './synthetic-spans.ts';

export interface ReceiveResult {
  cost: Cost;
  /** Decoding the same bodies alone (protobuf to spans, validated), in this process: the receive path's main part. */
  decode: Cost;
  bytes: number;
}

/**
 * The whole receive path of the default set-up: the service's real HTTP
 * server (token auth on, as in production) with its `POST /v1/traces`
 * route, the protobuf bodies posted over loopback one request at a time on
 * a keep-alive connection, each decoded, validated and folded into the
 * in-memory aggregator before its 200. The client runs in this process, so
 * its CPU time is counted too.
 */
export async function receivePass(redis: Redis, data: SyntheticSpans, bodies: readonly Uint8Array<ArrayBuffer>[], periodMs: number): Promise<ReceiveResult> {
  const prefix = 'bench-traces-http';
  const token = `ingest-${randomBytes(12).toString('hex')}`;
  const aggregator = createSpanAggregator({ periodMs, stackOf });
  const { server, intake, deployQueue } = traceReceiverServer(redis, prefix, {
    auth: { mode: 'tokens', metrics: 'open', tokens: [{ name: 'bench', role: 'viewer', token: new Secret(`api-${randomBytes(12).toString('hex')}`) }] },
    traces: { token: new Secret(token), ingest: (spans) => aggregator.ingest(spans) },
  });
  try {
    const { port } = await listen(server, '127.0.0.1', 0);
    const url = `http://127.0.0.1:${port}/v1/traces`;
    const headers = { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` };
    const { cost } = await measured(async () => {
      for (const body of bodies) {
        const res = await fetch(url, { method: 'POST', headers, body });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`POST /v1/traces answered ${res.status}`);
      }
    });
    aggregator.flush(data.periods[data.periods.length - 1]! + periodMs);
    assertCounts('receive path', aggregator.graph(), data.expected, data.periods);
    const { cost: decode } = await measured(() => {
      for (const body of bodies) spansFromProtobuf(body);
    });
    return { cost, decode, bytes: bodies.reduce((n, b) => n + b.length, 0) };
  } finally {
    await server.close();
    await deployQueue.close();
    await intake.close();
  }
}
