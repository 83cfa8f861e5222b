import { resolveBackoff, type BackoffPolicy } from '../telemetry/backoff.ts';
import { errorText } from '../telemetry/error-kind.ts';
import { withRetry } from '../telemetry/retry.ts';
import type { LogsReader } from './cloudwatch-logs-reader.ts';
import type { WatchedLogGroup } from './log-groups.ts';
import type { LogWatermarkStore } from './log-watermark-store.ts';
import { expiredStreams, freshEvents, readWindow, type LogEvent, type LogWindowOptions } from './log-watermark.ts';

/**
 * The CloudWatch Logs poller. Each poll, per watched group, in order:
 * 1. plan: read the group's place (the end of its last complete read, and
 *    each stream's watermark) and the time range to read;
 * 2. read: FilterLogEvents page by page, each page with bounded retries on
 *    throttling and transient errors (the metrics poller's schedule);
 * 3. emit: the page's events past their stream's watermark, to the sink;
 * 4. commit: only then the moved stream watermarks, and after the last
 *    page the end of the read. A restart (or a failed page) reads the range
 *    again; the watermarks drop what was emitted, so nothing comes twice
 *    and nothing is skipped.
 * A group whose read fails is reported and tried again next poll; the
 * others go on. Pure: the reader, store, sink, clock and sleep come in.
 */

/** New events of one group, one page's worth, in the order CloudWatch returned them. */
export interface LogEventsBatch {
  readonly stackKey: string;
  readonly logGroupId: string;
  readonly group: string;
  readonly events: readonly LogEvent[];
}

export interface LogPollerOptions extends LogWindowOptions {
  /** Pages per group per poll before the read is left for the next poll. @defaultValue 100 */
  maxPages: number;
  /** Events per page. @defaultValue the API's */
  pageLimit?: number;
  /** Retry schedule; see {@link BackoffPolicy} for defaults. */
  backoff: Partial<BackoffPolicy>;
}

export const DEFAULT_LOG_POLLER_OPTIONS: Readonly<Omit<LogPollerOptions, 'backoff'>> = Object.freeze({
  settleMs: 30_000,
  initialLookbackMs: 15 * 60_000,
  maxLookbackMs: 24 * 3_600_000,
  overlapMs: 60_000,
  maxPages: 100,
});

export interface LogPollerDeps {
  readonly reader: LogsReader;
  readonly store: LogWatermarkStore;
  readonly groups: readonly WatchedLogGroup[];
  /** Takes new events; the poller waits for it, and commits only what it accepted. */
  readonly onEvents: (batch: LogEventsBatch) => Promise<void> | void;
  readonly options?: Partial<LogPollerOptions>;
  /** ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** What one poll did. */
export interface LogPollSummary {
  events: number;
  /** FilterLogEvents requests sent, retries and pages included. */
  calls: number;
  retries: number;
  /** Groups whose read did not complete this poll, with why (secrets removed). */
  failed: { group: string; error: string }[];
  /** Groups that do not exist (yet): not a failure, nothing read. */
  missing: string[];
}

export function createLogPoller(deps: LogPollerDeps) {
  const o: LogPollerOptions = { ...DEFAULT_LOG_POLLER_OPTIONS, backoff: {}, ...deps.options };
  const policy = resolveBackoff(o.backoff);
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;

  async function pollGroup(g: WatchedLogGroup, summary: LogPollSummary): Promise<void> {
    const window = readWindow(await deps.store.readTo(g.name), now(), o);
    if (!window) return;
    const marks = await deps.store.streams(g.name);
    let nextToken: string | undefined;
    let lastTs: number | undefined;
    for (let page = 0; page < o.maxPages; page++) {
      const token = nextToken;
      const res = await withRetry(
        () => {
          summary.calls++;
          return deps.reader.filterLogEvents({ group: g.name, ...window, ...(g.filterPattern !== undefined ? { filterPattern: g.filterPattern } : {}), ...(token !== undefined ? { nextToken: token } : {}), ...(o.pageLimit !== undefined ? { limit: o.pageLimit } : {}) });
        },
        { policy, sleep, random, onRetry: () => void summary.retries++ },
      );
      if (!res.ok) {
        // A group a contract names may not exist until its service first logs (CloudWatch creates many that way):
        // nothing to read yet, and nothing committed, so its history is read from the start once it appears.
        if (res.facts.name === 'ResourceNotFoundException' && page === 0) summary.missing.push(g.name);
        else summary.failed.push({ group: g.name, error: errorText(res.facts) });
        return;
      }
      const { fresh, moved } = freshEvents(res.value.events, marks);
      if (fresh.length) await deps.onEvents({ stackKey: g.stackKey, logGroupId: g.logGroupId, group: g.name, events: fresh });
      nextToken = res.value.nextToken;
      lastTs = res.value.events.at(-1)?.timestamp ?? lastTs;
      for (const [s, m] of moved) marks.set(s, m);
      // The end of the read is committed with the last page only: a read cut short is read again from its start.
      if (nextToken !== undefined) await deps.store.commit(g.name, moved);
      else await deps.store.commit(g.name, moved, window.endTime, expiredStreams(marks, window.endTime + 1 - o.overlapMs));
      summary.events += fresh.length;
      if (nextToken === undefined) return;
    }
    // Pages come in time order across streams, so everything before the last timestamp read is done:
    // move the read's end there, or a backlog longer than maxPages would be read from its start forever.
    if (lastTs !== undefined && lastTs - 1 >= window.startTime) await deps.store.commit(g.name, new Map(), lastTs - 1);
    summary.failed.push({ group: g.name, error: `more than ${o.maxPages} pages; the rest is read next poll` });
  }

  /** One poll of every group; a sink or store error ends the poll and is thrown. */
  async function pollOnce(): Promise<LogPollSummary> {
    const summary: LogPollSummary = { events: 0, calls: 0, retries: 0, failed: [], missing: [] };
    for (const g of deps.groups) await pollGroup(g, summary);
    return summary;
  }

  return { pollOnce };
}

export type LogPoller = ReturnType<typeof createLogPoller>;
