/**
 * Trace ingest bench: synthetic three-service requests (frontend → checkout
 * → payments, three server spans each, parent span ids linking them, 5% of
 * payments failing, latencies from 20 ms with a slow tail; see
 * bench/traces/synthetic-spans.ts), generated and encoded before any timing,
 * through the trace stage's paths at their default options:
 *
 * 1. the in-memory span aggregator (`traces.shared: false`, the default):
 *    spans/s by wall clock and by CPU time, three passes on fresh
 *    aggregators (the median is the headline), heap growth;
 * 2. the shared path (`traces.shared: true`) against a redis-server the bench
 *    starts: spans/s by wall clock and Node's CPU (Redis's own CPU beside
 *    it), the time of each period's close, Redis memory added per span;
 * 3. the whole receive path: the official exporter's protobuf bodies posted
 *    to the service's HTTP server over loopback, decoded and aggregated.
 *
 * Every path's counts (requests and errors per service and per edge, each
 * period) are checked against the generated ones, and the bench throws if
 * one differs. Batches are cut from one stream of spans (each request's spans
 * children first, as they end) and sent one at a time: no concurrency. Last:
 *   traces spans_per_s=… shared_spans_per_s=… close_period_ms=… redis_bytes_per_span=… receive_spans_per_s=… load_avg=…
 *
 * Usage: npm run --silent bench:traces [-- --requests N --batch B --per-period P]
 *   N requests (default 30,000: 90,000 spans), B spans per export (default 512, the SDK batch
 *   processor's), P requests per 60 s period (default 10,000; at most 16,666, so that a period's spans
 *   stay under the shared look-up's cap of 50,000 and every parent is found).
 */
import { startRedis } from '../orchestrator/runtime/local-services.ts';
import { createRedis } from '../orchestrator/queue/redis.ts';
import { wholeNumberArg } from './cli-args.ts';
import { loadLine, measured, perSecond, rates } from './traces/cost.ts';
import { IN_MEMORY_PASSES, inMemoryPass, inMemoryReport, type InMemoryResult } from './traces/in-memory.ts';
import { protobufBodies } from './traces/otlp-bodies.ts';
import { receivePass } from './traces/receive-path.ts';
import { sharedPass, sharedReport } from './traces/shared-path.ts';
import { batchesOf, syntheticSpans } from './traces/synthetic-spans.ts';

/** `traces.periodSeconds`' default. */
const PERIOD_MS = 60_000;

const requests = wholeNumberArg('requests', 30_000);
const batchSize = wholeNumberArg('batch', 512);
const perPeriod = wholeNumberArg('per-period', 10_000);
if (perPeriod * 3 > 50_000) throw new Error('--per-period at most 16666: a period holds at most 50,000 shared spans, and a child of a parent past the cap is unresolved');

// Set-up, not timed: the spans, their batches and the exporter's bodies.
const t0 = Math.floor(Date.now() / PERIOD_MS) * PERIOD_MS - 60 * PERIOD_MS;
const { result: data, cost: generated } = await measured(() => syntheticSpans({ requests, t0, periodMs: PERIOD_MS, perPeriod }));
const spans = data.spans.length;
const batches = batchesOf(data.spans, batchSize);
const { result: bodies, cost: encoded } = await measured(() => protobufBodies(batches));
console.log(`traces set-up: ${requests} requests, ${spans} spans in ${batches.length} batches of ${batchSize}, ${data.periods.length} periods of ${PERIOD_MS / 1000} s; generated in ${generated.wallMs.toFixed(0)} ms, encoded by the OTLP proto exporter in ${encoded.wallMs.toFixed(0)} ms (neither timed below); at start ${loadLine()}`);

const passes: InMemoryResult[] = [];
for (let i = 0; i < IN_MEMORY_PASSES; i++) passes.push(await inMemoryPass(data, batches, PERIOD_MS));
const inMemory = inMemoryReport(spans, passes);
for (const line of inMemory.lines) console.log(line);

const server = await startRedis();
const redis = createRedis(server.url);
try {
  const shared = await sharedPass(redis, data, batches, PERIOD_MS);
  for (const line of sharedReport(spans, shared)) console.log(line);
  const receive = await receivePass(redis, data, bodies, PERIOD_MS);
  console.log(`receive ${rates(spans, receive.cost)} bodies=${bodies.length} bytes=${receive.bytes} (HTTP server with token auth, protobuf decoded and validated, in-memory aggregator; the fetch client runs in this process and its CPU is counted; no gzip, one request at a time)`);
  console.log(`receive decode_only ${rates(spans, receive.decode)} (spansFromProtobuf over the same bodies, no HTTP, no aggregation)`);
  console.log('counts checked: requests and errors per service and per edge, every period, equal to the generated ones on all three paths');
  // Ratios from this one run only: between runs the shared machine moves each figure by up to 2x.
  const { median } = inMemory;
  console.log(
    `same run: the in-memory rate is ${(shared.ingest.wallMs / median.ingest.wallMs).toFixed(1)}x the shared one by wall clock (${(shared.ingest.cpuMs / median.ingest.cpuMs).toFixed(1)}x by Node CPU), ` +
      `${(receive.cost.wallMs / median.ingest.wallMs).toFixed(1)}x the receive path's by wall clock (${(receive.cost.cpuMs / median.ingest.cpuMs).toFixed(1)}x by CPU)`,
  );
  const closeMax = Math.max(...shared.closes.map((c) => c.wallMs));
  console.log(
    `traces spans_per_s=${perSecond(spans, median.ingest.wallMs)} shared_spans_per_s=${perSecond(spans, shared.ingest.wallMs)} close_period_ms=${closeMax.toFixed(0)} ` +
      `redis_bytes_per_span=${Math.round(shared.redisBytes / spans)} receive_spans_per_s=${perSecond(spans, receive.cost.wallMs)} ${loadLine()}`,
  );
} finally {
  await redis.quit();
  await server.stop();
}
