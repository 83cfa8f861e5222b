import { alarmNameChunks, alarmStates, type AlarmState } from './alarm-state.ts';
import { resolveBackoff, type BackoffPolicy } from './backoff.ts';
import { isFailedStatus, mergePages, newPoints } from './datapoints.ts';
import { errorText, redactSecrets, type ErrorFacts, type ErrorKind } from './error-kind.ts';
import type { AlarmRecord, MetricsReader, QueryResultPage } from './metrics-reader.ts';
import { seriesWindow } from './period-window.ts';
import { MAX_QUERIES_PER_CALL, planBatches, splitBatch, type DueSeries, type QueryBatch } from './query-batch.ts';
import { withRetry, type RetryDeps } from './retry.ts';
import { seriesOf, type MetricPoint, type SeriesSpec, type WatchedStack } from './series.ts';
import { initialHealth, recordFailure, recordSuccess, staleReason, type SignalHealth, type StaleReason } from './signal-health.ts';
import type { TelemetryStore } from './telemetry-store.ts';

/**
 * The CloudWatch poller of the telemetry stage. Each poll, in order:
 * 1. plan: read the watermarks, give each series its window (resume after
 *    the last point emitted, lookback capped, complete periods only), pack
 *    the due series into GetMetricData calls;
 * 2. read: each call, page by page (NextToken), with bounded retries on
 *    throttling and transient errors; a call the API rejects as invalid is
 *    split until the bad query is alone;
 * 3. emit: the new points of each call, per series in time order, to the sink;
 * 4. commit: only then move the watermarks forward in the store, so a
 *    restart resumes where the sink left off and nothing is emitted twice;
 * 5. alarms: DescribeAlarms for the stacks' alarm names in ALARM state;
 * 6. health: every signal touched becomes ok, or stale with the error text.
 * No error of CloudWatch or of the store stops the poller; an error of the
 * sink ends that poll (its points are read again next time).
 */

/** What the poller emits. */
export type TelemetryEvent =
  /** New points of one GetMetricData call: per series, in time order, each timestamp once. */
  | { readonly kind: 'points'; readonly points: readonly MetricPoint[] }
  /** Every watched alarm in ALARM state, as of `observedAt` (an empty list means none is). */
  | { readonly kind: 'alarms'; readonly observedAt: number; readonly alarms: readonly AlarmState[] };

/** Takes events; the poller waits for it, and commits only what it accepted. */
export type TelemetrySink = (event: TelemetryEvent) => Promise<void> | void;

export interface TelemetryPollerOptions {
  /**
   * Time between polls when started with `start()`.
   * @defaultValue 60000
   */
  intervalMs: number;
  /**
   * A period is read only once it ended this long ago, so CloudWatch has aggregated it.
   * @defaultValue 60000
   */
  settleMs: number;
  /**
   * How far back a series with no stored point starts.
   * @defaultValue 3600000 (1 hour)
   */
  initialLookbackMs: number;
  /**
   * How far back a gap (a restart, an outage) is filled at most.
   * @defaultValue 86400000 (24 hours)
   */
  maxLookbackMs: number;
  /**
   * Queries per GetMetricData call.
   * @defaultValue 500 (the API's limit)
   */
  maxQueriesPerCall: number;
  /**
   * GetMetricData calls in flight at once.
   * @defaultValue 2
   */
  concurrency: number;
  /**
   * Pages read per call before the call is given up (guards against a token that never ends).
   * @defaultValue 100
   */
  maxPages: number;
  /** Retry schedule; see {@link BackoffPolicy} for defaults. */
  backoff: Partial<BackoffPolicy>;
}

export const DEFAULT_POLLER_OPTIONS: Readonly<Omit<TelemetryPollerOptions, 'backoff'>> = Object.freeze({
  intervalMs: 60_000,
  settleMs: 60_000,
  initialLookbackMs: 3_600_000,
  maxLookbackMs: 86_400_000,
  maxQueriesPerCall: MAX_QUERIES_PER_CALL,
  concurrency: 2,
  maxPages: 100,
});

export interface TelemetryPollerDeps {
  readonly reader: MetricsReader;
  readonly store: TelemetryStore;
  /** One stack for a poller per stack; several share calls. */
  readonly stacks: readonly WatchedStack[];
  readonly onEvent: TelemetrySink;
  readonly options?: Partial<TelemetryPollerOptions>;
  /** Clock, ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Draws in [0, 1) for jitter; default `Math.random`. */
  readonly random?: () => number;
  /** Told about a poll that failed as a whole (store or sink errors) when started with `start()`. */
  readonly onError?: (err: unknown) => void;
}

/** What one poll did. */
export interface PollSummary {
  /** Points emitted. */
  points: number;
  /** GetMetricData requests sent, retries and pages included. */
  getMetricDataCalls: number;
  /** DescribeAlarms requests sent, retries and pages included. */
  describeAlarmsCalls: number;
  retries: number;
  /** Alarms reported in ALARM state. */
  alarms: number;
  /** Signals stale after the poll. */
  staleSignals: number;
}

export interface TelemetryPoller {
  /** One poll; a poll already running is joined, not doubled. */
  pollOnce(): Promise<PollSummary>;
  /** Polls now and then every `intervalMs`, until `stop()`. */
  start(): void;
  /** Stops the schedule and waits for a running poll. */
  stop(): Promise<void>;
  /** Health of every signal, in contract order. */
  signalHealth(): SignalHealth[];
  /** Health of the alarm reads, one entry per stack with alarms (signalId `@alarms`). */
  alarmHealth(): SignalHealth[];
}

function emptySummary(): PollSummary {
  return { points: 0, getMetricDataCalls: 0, describeAlarmsCalls: 0, retries: 0, alarms: 0, staleSignals: 0 };
}

export function createTelemetryPoller(deps: TelemetryPollerDeps): TelemetryPoller {
  const st = pollerState(deps);
  let running: Promise<PollSummary> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;

  function pollOnce(): Promise<PollSummary> {
    running ??= poll(st).finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      timer = undefined;
      pollOnce()
        .catch((err: unknown) => deps.onError?.(err))
        .finally(() => {
          if (started) schedule(st.o.intervalMs);
        });
    }, delayMs);
  }

  return {
    pollOnce,
    start() {
      if (started) return;
      started = true;
      schedule(0);
    },
    async stop() {
      started = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    signalHealth: () => st.series.map((s) => st.health.get(s.seriesId)!),
    alarmHealth: () => [...st.alarmHealthByStack.values()],
  };
}

/** What a poller keeps between polls, and what the steps of a poll share. */
interface PollerState {
  readonly deps: TelemetryPollerDeps;
  readonly o: Omit<TelemetryPollerOptions, 'backoff'>;
  readonly policy: BackoffPolicy;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly series: readonly SeriesSpec[];
  readonly seriesById: ReadonlyMap<string, SeriesSpec>;
  /** Per series; replaced entry by entry as polls succeed or fail. */
  readonly health: Map<string, SignalHealth>;
  readonly alarmStacks: readonly WatchedStack[];
  readonly alarmHealthByStack: Map<string, SignalHealth>;
}

function pollerState(deps: TelemetryPollerDeps): PollerState {
  const series = seriesOf(deps.stacks);
  const alarmStacks = deps.stacks.filter((s) => s.alarms.length > 0);
  return {
    deps,
    o: { ...DEFAULT_POLLER_OPTIONS, ...deps.options },
    policy: resolveBackoff(deps.options?.backoff),
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    random: deps.random ?? Math.random,
    series,
    seriesById: new Map(series.map((s) => [s.seriesId, s])),
    health: new Map<string, SignalHealth>(series.map((s) => [s.seriesId, initialHealth(s)])),
    alarmStacks,
    alarmHealthByStack: new Map<string, SignalHealth>(
      alarmStacks.map((s) => [s.stackKey, initialHealth({ seriesId: `${s.stackKey}|@alarms`, stackKey: s.stackKey, signalId: '@alarms' })]),
    ),
  };
}

function retryDeps(st: PollerState, summary: PollSummary): RetryDeps {
  return { policy: st.policy, sleep: st.sleep, random: st.random, onRetry: () => void summary.retries++ };
}

function markStale(st: PollerState, s: SeriesSpec, reason: StaleReason, error: string): void {
  st.health.set(s.seriesId, recordFailure(st.health.get(s.seriesId) ?? initialHealth(s), st.now(), reason, error));
}

/** Reads one call, page by page; the parts that could be read (a failed part marks its series stale). */
async function readBatch(st: PollerState, batch: QueryBatch, summary: PollSummary): Promise<{ batch: QueryBatch; pages: QueryResultPage[][] }[]> {
  const pages: QueryResultPage[][] = [];
  let nextToken: string | undefined;
  let failure: { kind: ErrorKind; facts: ErrorFacts } | undefined;
  for (let page = 0; ; page++) {
    if (page >= st.o.maxPages) {
      failure = { kind: 'persistent', facts: { name: 'TooManyPages', message: `GetMetricData still had a NextToken after ${st.o.maxPages} pages` } };
      break;
    }
    const token = nextToken;
    const outcome = await withRetry(() => {
      summary.getMetricDataCalls++;
      return st.deps.reader.getMetricData({ startMs: batch.startMs, endMs: batch.endMs, queries: batch.queries, ...(token !== undefined ? { nextToken: token } : {}) });
    }, retryDeps(st, summary));
    if (!outcome.ok) {
      failure = outcome;
      break;
    }
    pages.push([...outcome.value.results]);
    nextToken = outcome.value.nextToken || undefined;
    if (nextToken === undefined) return [{ batch, pages }];
  }
  // An invalid query fails its whole call: split the call until the bad query stands alone.
  if (failure.kind === 'invalid' && batch.queries.length > 1) {
    const [a, b] = splitBatch(batch);
    return [...(await readBatch(st, a, summary)), ...(await readBatch(st, b, summary))];
  }
  const text = errorText(failure.facts);
  for (const q of batch.queries) {
    const s = st.seriesById.get(q.seriesId);
    if (s) markStale(st, s, staleReason(failure.kind), text);
  }
  return [];
}

/** Turns read pages into points, emits them, then commits watermarks, read times (`readAt`: when the poll began) and health. */
async function emitBatch(st: PollerState, batch: QueryBatch, pages: QueryResultPage[][], watermarks: Map<string, number>, readAt: number, summary: PollSummary): Promise<void> {
  const merged = mergePages(pages);
  const points: MetricPoint[] = [];
  const marks = new Map<string, number>();
  const succeeded: SeriesSpec[] = [];
  for (const q of batch.queries) {
    const s = st.seriesById.get(q.seriesId);
    if (!s) continue;
    const result = merged.get(q.id);
    if (result && isFailedStatus(result.status)) {
      markStale(st, s, 'Rejected', redactSecrets(`GetMetricData ${result.status}: ${result.messages.join('; ') || 'no message'}`).slice(0, 300));
      continue;
    }
    succeeded.push(s);
    if (!result) continue;
    for (const p of newPoints(result, watermarks.get(s.seriesId))) {
      points.push({ seriesId: s.seriesId, stackKey: s.stackKey, signalId: s.signalId, timestamp: p.timestamp, value: p.value });
      marks.set(s.seriesId, p.timestamp);
    }
  }
  if (points.length > 0) await st.deps.onEvent({ kind: 'points', points });
  summary.points += points.length;
  if (marks.size > 0) await st.deps.store.advanceWatermarks(marks);
  if (succeeded.length > 0) await st.deps.store.advanceReadAt(new Map(succeeded.map((s) => [s.seriesId, readAt])));
  for (const [id, t] of marks) watermarks.set(id, t);
  const at = st.now();
  for (const s of succeeded) st.health.set(s.seriesId, recordSuccess(st.health.get(s.seriesId) ?? initialHealth(s), at, marks.get(s.seriesId)));
}

async function pollMetrics(st: PollerState, summary: PollSummary): Promise<void> {
  // 1. plan
  const watermarks = await st.deps.store.watermarks(st.series.map((s) => s.seriesId));
  const t = st.now();
  const due: DueSeries[] = [];
  for (const s of st.series) {
    const window = seriesWindow(s.periodSeconds, watermarks.get(s.seriesId), {
      nowMs: t,
      settleMs: st.o.settleMs,
      initialLookbackMs: st.o.initialLookbackMs,
      maxLookbackMs: st.o.maxLookbackMs,
    });
    if (window) due.push({ series: s, window });
  }
  const batches = planBatches(due, st.o.maxQueriesPerCall);
  // 2-4. read, emit, commit; a few calls at a time, stopping at the first sink or store error.
  let next = 0;
  let firstError: { err: unknown } | undefined;
  const worker = async () => {
    while (firstError === undefined && next < batches.length) {
      const batch = batches[next++]!;
      try {
        for (const part of await readBatch(st, batch, summary)) await emitBatch(st, part.batch, part.pages, watermarks, t, summary);
      } catch (err) {
        firstError ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(st.o.concurrency, batches.length)) }, worker));
  if (firstError !== undefined) throw firstError.err;
}

async function pollAlarms(st: PollerState, summary: PollSummary): Promise<void> {
  const chunks = alarmNameChunks(st.alarmStacks);
  if (chunks.length === 0) return;
  const records: AlarmRecord[] = [];
  let failed = false;
  for (const names of chunks) {
    let nextToken: string | undefined;
    for (let page = 0; page < st.o.maxPages; page++) {
      const token = nextToken;
      const outcome = await withRetry(() => {
        summary.describeAlarmsCalls++;
        return st.deps.reader.describeAlarms({ alarmNames: names, stateValue: 'ALARM', ...(token !== undefined ? { nextToken: token } : {}) });
      }, retryDeps(st, summary));
      if (!outcome.ok) {
        failed = true;
        const text = errorText(outcome.facts);
        const at = st.now();
        for (const stack of st.alarmStacks) {
          if (!stack.alarms.some((a) => names.includes(a))) continue;
          const h = st.alarmHealthByStack.get(stack.stackKey)!;
          st.alarmHealthByStack.set(stack.stackKey, recordFailure(h, at, staleReason(outcome.kind), text));
        }
        break;
      }
      records.push(...outcome.value.alarms);
      nextToken = outcome.value.nextToken || undefined;
      if (nextToken === undefined) break;
    }
  }
  // A partial list would read as "these alarms cleared": report only a complete one.
  if (failed) return;
  const observedAt = st.now();
  const alarms = alarmStates(st.alarmStacks, records, observedAt);
  await st.deps.onEvent({ kind: 'alarms', observedAt, alarms });
  summary.alarms = alarms.length;
  for (const [key, h] of st.alarmHealthByStack) st.alarmHealthByStack.set(key, recordSuccess(h, observedAt));
}

async function poll(st: PollerState): Promise<PollSummary> {
  const summary = emptySummary();
  let metricsError: { err: unknown } | undefined;
  try {
    await pollMetrics(st, summary);
  } catch (err) {
    metricsError = { err };
  }
  // 5. alarms are read even when the metrics part failed: they are independent.
  await pollAlarms(st, summary);
  // 6. health
  summary.staleSignals = [...st.health.values()].filter((h) => h.status === 'stale').length;
  if (metricsError !== undefined) throw metricsError.err;
  return summary;
}
