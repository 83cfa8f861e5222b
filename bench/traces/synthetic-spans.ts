import { SPAN_KIND, type FlatSpan } from '../../orchestrator/traces/otlp-spans.ts';
import { prng } from '../../test/support/seeded-random.ts';

/**
 * Synthetic three-service requests for the trace bench: frontend → checkout
 * → payments, each request one trace of three server spans linked by parent
 * span ids, with a share of errors and varied latencies, and beside them the
 * counts the trace stage must find (per period: requests and errors of each
 * service and of each caller → callee edge). Pure and seeded: the same
 * options give the same spans, so two runs measure the same work.
 */
export interface SyntheticOptions {
  /** Requests (three spans each). */
  requests: number;
  /** Start of the first period (a multiple of `periodMs`). */
  t0: number;
  periodMs: number;
  /** Requests spread evenly over each period. */
  perPeriod: number;
  /** @defaultValue 1 */
  seed?: number;
}

/** What the stage must count for one service or edge in one period. */
export interface Tally {
  requests: number;
  errors: number;
}

export interface SyntheticSpans {
  /**
   * Every span, each request's in the order they end (payments, checkout,
   * frontend), as an exporter's batch processor sends them: a child usually
   * comes before its parent, so the parent look-up is exercised both ways.
   */
  readonly spans: FlatSpan[];
  /** `<period start> <service>` or `<period start> <caller>><callee>` → its tally. */
  readonly expected: Map<string, Tally>;
  readonly periods: number[];
}

export const SERVICES = ['frontend', 'checkout', 'payments'] as const;

/**
 * The stack each service runs in, as `traces.services` maps them: with no stack, a service's figures
 * are not scored, and closing a period would skip the detectors a real set-up runs.
 */
export const stackOf = (service: string) => `shop/./${service}`;

/** The key of a service or edge's tally in {@link SyntheticSpans.expected}. */
export const tallyKey = (period: number, service: string, callee?: string) => (callee ? `${period} ${service}>${callee}` : `${period} ${service}`);


const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
// OTLP carries whole nanoseconds and the receiver keeps microseconds: times made whole microseconds here
// decode to exactly the same span, so the end-to-end path counts the same periods as the in-memory one.
const us = (ms: number) => Math.round(ms * 1000) / 1000;

function count(expected: Map<string, Tally>, key: string, error: boolean): void {
  let t = expected.get(key);
  if (!t) expected.set(key, (t = { requests: 0, errors: 0 }));
  t.requests++;
  if (error) t.errors++;
}

/** One request's three spans, children first; the ids carry the request's index, so no two collide. */
function request(i: number, at: number, rnd: () => number): FlatSpan[] {
  // Payments: 20 ms plus an exponential tail (mean 30 ms), 2% of calls 400 ms slower; 5% fail.
  const payMs = 20 - 30 * Math.log(1 - rnd()) + (rnd() < 0.02 ? 400 : 0);
  const payErr = rnd() < 0.05;
  // Checkout waits for payments and adds its own work; it fails when payments does, and 1% by itself.
  const chkMs = payMs + 5 + 20 * rnd();
  const chkErr = payErr || rnd() < 0.01;
  // The frontend retries nothing: half of checkout's failures reach the user.
  const feMs = chkMs + 3 + 10 * rnd();
  const feErr = chkErr && rnd() < 0.5;
  const traceId = hex8(rnd() * 2 ** 32) + hex8(rnd() * 2 ** 32) + hex8(rnd() * 2 ** 32) + hex8(i);
  const id = (k: number) => hex8(rnd() * 2 ** 32) + hex8(i * 3 + k);
  const [fe, chk, pay] = [id(0), id(1), id(2)];
  const chkAt = at + 1 + 2 * rnd();
  const payAt = chkAt + 1 + 3 * rnd();
  const span = (spanId: string, parentSpanId: string | undefined, service: string, name: string, startMs: number, durationMs: number, error: boolean): FlatSpan => ({
    traceId, spanId, ...(parentSpanId ? { parentSpanId } : {}), service, name, kind: SPAN_KIND.server, startMs: us(startMs), durationMs: us(durationMs), error,
  });
  return [
    span(pay, chk, 'payments', 'POST /charge', payAt, payMs, payErr),
    span(chk, fe, 'checkout', 'POST /checkout', chkAt, chkMs, chkErr),
    span(fe, undefined, 'frontend', 'GET /buy', at, feMs, feErr),
  ];
}

/** The spans of `requests` requests, `perPeriod` to a period from `t0`, and the counts they must give. */
export function syntheticSpans(o: SyntheticOptions): SyntheticSpans {
  const rnd = prng(o.seed ?? 1);
  const spans: FlatSpan[] = [];
  const expected = new Map<string, Tally>();
  const periods = new Set<number>();
  const periodOf = (ms: number) => Math.floor(ms / o.periodMs) * o.periodMs;
  const gap = o.periodMs / o.perPeriod;
  for (let i = 0; i < o.requests; i++) {
    const at = o.t0 + Math.floor(i / o.perPeriod) * o.periodMs + (i % o.perPeriod) * gap;
    const [pay, chk, fe] = request(i, at, rnd) as [FlatSpan, FlatSpan, FlatSpan];
    spans.push(pay, chk, fe);
    // Each span counts in the period it started in; an edge is measured by its callee's span.
    for (const s of [pay, chk, fe]) {
      periods.add(periodOf(s.startMs));
      count(expected, tallyKey(periodOf(s.startMs), s.service), s.error);
    }
    count(expected, tallyKey(periodOf(chk.startMs), 'frontend', 'checkout'), chk.error);
    count(expected, tallyKey(periodOf(pay.startMs), 'checkout', 'payments'), pay.error);
  }
  return { spans, expected, periods: [...periods].sort((a, b) => a - b) };
}

/** Cuts the span stream into export batches of `size`, as a batch span processor does. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
