import { redactSecrets as redactShapes } from '../audit/redact.ts';
import type { LogTemplateEvidence } from '../diagnose/log-template.ts';
import { redactSecrets as redactPairs } from '../telemetry/error-kind.ts';
import { seriesId, type MetricPoint } from '../telemetry/series.ts';
import type { LogEventsBatch } from './log-poller.ts';
import { createTemplateMiner, type TemplateMiner, type TemplateMinerOptions } from './template-miner.ts';

/**
 * Log events turned into the signals the detector already reads: per log
 * group, a count per period of each frequent template and of error-level
 * lines (as {@link MetricPoint}s, so they go through the same anomaly stage
 * as metrics), an event when a template never seen before appears, and a
 * few recent lines per template, redacted, to show behind an incident. Pure.
 */
export interface LogSignalOptions {
  /** Length of one counting period. @defaultValue 60000 */
  periodMs: number;
  /** Lines a template needs before it gets a rate series of its own. @defaultValue 20 */
  frequentAfter: number;
  /** Rate series per group at most; later templates get none. @defaultValue 50 */
  maxRateSeries: number;
  /** Lines per group before a new template is reported (at first, every template is new). @defaultValue 500 */
  warmupLines: number;
  /** Recent lines kept per template. @defaultValue 3 */
  samplesPerTemplate: number;
  miner: TemplateMinerOptions;
}

export const DEFAULT_LOG_SIGNAL_OPTIONS: Readonly<LogSignalOptions> = Object.freeze({ periodMs: 60_000, frequentAfter: 20, maxRateSeries: 50, warmupLines: 500, samplesPerTemplate: 3, miner: {} });

/** The namespace the log series are named under, beside CloudWatch's own. */
export const LOG_NAMESPACE = 'Homeostat/Logs';

/** A template seen for the first time after the group's warm-up. */
export interface NewTemplateEvent {
  readonly stackKey: string;
  readonly logGroupId: string;
  readonly group: string;
  readonly templateId: string;
  readonly template: string;
  /** Timestamp of the first line, ms. */
  readonly at: number;
  /** That line, redacted. */
  readonly line: string;
}

/** Error-level lines: a level word in capitals, a `level=error` field, or an exception. */
const ERROR_LEVEL = /\b(?:ERROR|FATAL|CRITICAL|CRIT|SEVERE|PANIC|EMERG)\b|\blevel["']?\s*[=:]\s*["']?(?:error|fatal|critical|panic)\b|\b[A-Z]\w*Exception\b/;

/** Whether a line is error-level. */
export function isErrorLine(message: string): boolean {
  return ERROR_LEVEL.test(message);
}

/** A log line as it may be shown: secrets of known shapes and `key=value` secrets removed. */
export function redactLine(line: string): string {
  return redactPairs(String(redactShapes(line)));
}

/**
 * The key of a template's rate series: a hash of the template's text when it
 * became frequent. Not the miner's id (`t<n>`), which is per process: after a
 * restart the same template gets the same key again and its detector state
 * (kept in the telemetry store by series id) is its own, not another's.
 */
export function seriesKeyOf(template: string): string {
  // FNV-1a, 32 bits twice with different offsets: short, stable, no node:crypto in pure code.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
  }
  return `t${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}

interface GroupState {
  readonly stackKey: string;
  readonly logGroupId: string;
  readonly group: string;
  readonly miner: TemplateMiner;
  lines: number;
  /** Start of the first period not yet flushed; lines before it are mined but no longer counted. */
  openFrom: number | undefined;
  /** Period start → series key (`errors` or a template id) → lines. */
  readonly counts: Map<number, Map<string, number>>;
  /** Templates with a rate series: template id → series key (see {@link seriesKeyOf}). */
  readonly rated: Map<string, string>;
  readonly samples: Map<string, Kept>;
}

/** What is kept of one template for evidence: its last lines, when the newest came, and when it first appeared if it was new. */
interface Kept {
  readonly lines: string[];
  at: number;
  error: boolean;
  firstSeenAt?: number;
  /** The template's key when first seen (the rate series key once it has one). */
  readonly key: string;
}

// eslint-disable-next-line max-lines-per-function -- a factory on the hot path: the miner, the per-period counts and the samples are locals its methods share; read through an object they would cost throughput, as they did for the detector
export function createLogSignals(options: Partial<LogSignalOptions> = {}) {
  const o: LogSignalOptions = { ...DEFAULT_LOG_SIGNAL_OPTIONS, ...options };
  const groups = new Map<string, GroupState>();
  /** Series id → the group and series it counts, for the evidence behind a log anomaly. */
  const seriesIndex = new Map<string, { key: string; series: string }>();
  /** Error-level templates with lines since the last {@link takeErrorEvidence}: group key → template ids. */
  const touchedErrors = new Map<string, Set<string>>();

  function stateOf(b: LogEventsBatch): GroupState {
    const key = `${b.stackKey}\u0000${b.group}`;
    let s = groups.get(key);
    if (!s) {
      s = { stackKey: b.stackKey, logGroupId: b.logGroupId, group: b.group, miner: createTemplateMiner(o.miner), lines: 0, openFrom: undefined, counts: new Map(), rated: new Map(), samples: new Map() };
      groups.set(key, s);
    }
    return s;
  }

  function touched(s: GroupState): Set<string> {
    const key = `${s.stackKey}\u0000${s.group}`;
    return touchedErrors.get(key) ?? touchedErrors.set(key, new Set()).get(key)!;
  }

  function count(s: GroupState, period: number, series: string): void {
    const m = s.counts.get(period) ?? s.counts.set(period, new Map()).get(period)!;
    m.set(series, (m.get(series) ?? 0) + 1);
  }

  /** Mines and counts one batch of new events; returns the templates it saw first. */
  function ingest(b: LogEventsBatch): NewTemplateEvent[] {
    const s = stateOf(b);
    const fresh: NewTemplateEvent[] = [];
    for (const e of b.events) {
      const m = s.miner.add(e.message);
      s.lines++;
      const kept = s.samples.get(m.templateId) ?? s.samples.set(m.templateId, { lines: [], at: e.timestamp, error: false, key: seriesKeyOf(m.template) }).get(m.templateId)!;
      kept.lines.push(redactLine(e.message));
      if (kept.lines.length > o.samplesPerTemplate) kept.lines.shift();
      kept.at = Math.max(kept.at, e.timestamp);
      kept.error ||= isErrorLine(e.message);
      if (kept.error) touched(s).add(m.templateId);
      if (m.isNew && s.lines > o.warmupLines) {
        kept.firstSeenAt = e.timestamp;
        fresh.push({ stackKey: s.stackKey, logGroupId: s.logGroupId, group: s.group, templateId: m.templateId, template: m.template, at: e.timestamp, line: kept.lines.at(-1)! });
      }
      if (!s.rated.has(m.templateId) && m.count >= o.frequentAfter && s.rated.size < o.maxRateSeries) s.rated.set(m.templateId, seriesKeyOf(m.template));
      const period = Math.floor(e.timestamp / o.periodMs) * o.periodMs;
      if (s.openFrom !== undefined && period < s.openFrom) continue; // late for a period already flushed
      count(s, period, m.templateId);
      if (isErrorLine(e.message)) count(s, period, 'errors');
    }
    // Templates the miner dropped lose their series and samples: memory stays bounded with the miner's.
    if (s.samples.size > s.miner.stats().templates) {
      const live = new Set(s.miner.templates().map((t) => t.id));
      for (const id of s.samples.keys()) if (!live.has(id)) s.samples.delete(id);
      for (const id of s.rated.keys()) if (!live.has(id)) s.rated.delete(id);
    }
    return fresh;
  }

  function point(s: GroupState, series: string, timestamp: number, value: number): MetricPoint {
    const isErrors = series === 'errors';
    const dimensions: Record<string, string> = isErrors ? { LogGroup: s.group } : { LogGroup: s.group, Template: series };
    const id = seriesId(s.stackKey, { namespace: LOG_NAMESPACE, metricName: isErrors ? 'ErrorLines' : 'TemplateLines', dimensions, stat: 'Sum' });
    seriesIndex.set(id, { key: `${s.stackKey}\u0000${s.group}`, series });
    return {
      seriesId: id,
      stackKey: s.stackKey,
      signalId: `logs-${s.logGroupId}-${series}`,
      timestamp,
      value,
    };
  }

  /**
   * The counts of every period that ended by `upTo` (the end of the poller's
   * read: nothing earlier is still to come), per group in time order: the
   * error-level count and each rated template's count, zeros included.
   * Groups named in `notRead` (their read failed) keep their periods open.
   */
  function flush(upTo: number, notRead: ReadonlySet<string> = new Set()): MetricPoint[] {
    const out: MetricPoint[] = [];
    for (const s of groups.values()) {
      if (notRead.has(s.group)) continue;
      const first = s.openFrom ?? Math.min(...s.counts.keys());
      if (!Number.isFinite(first)) continue;
      let period = first;
      for (; period + o.periodMs <= upTo + 1; period += o.periodMs) {
        const c = s.counts.get(period);
        s.counts.delete(period);
        out.push(point(s, 'errors', period, c?.get('errors') ?? 0));
        for (const [id, key] of s.rated) out.push(point(s, key, period, c?.get(id) ?? 0));
      }
      s.openFrom = period;
    }
    return out;
  }

  /** The recent lines of a template, redacted, for an incident's evidence. */
  function samples(stackKey: string, group: string, templateId: string): string[] {
    return [...(groups.get(`${stackKey}\u0000${group}`)?.samples.get(templateId)?.lines ?? [])];
  }

  function evidenceOf(s: GroupState, templateId: string): LogTemplateEvidence | undefined {
    const kept = s.samples.get(templateId);
    const t = s.miner.templates().find((x) => x.id === templateId);
    if (!kept || !t) return undefined;
    return {
      stackKey: s.stackKey,
      group: s.group,
      templateKey: s.rated.get(templateId) ?? kept.key,
      template: t.template,
      level: kept.error ? 'error' : 'other',
      ...(kept.firstSeenAt !== undefined ? { firstSeenAt: kept.firstSeenAt } : {}),
      at: kept.at,
      lines: [...kept.lines],
    };
  }

  /** The evidence of a template reported new: its template, lines and first time. */
  function evidenceOfNew(e: NewTemplateEvent): LogTemplateEvidence | undefined {
    const s = groups.get(`${e.stackKey}\u0000${e.group}`);
    return s && evidenceOf(s, e.templateId);
  }

  /**
   * The lines behind an anomaly on a log series: for a template's rate, that
   * template; for the error rate, the error-level templates with a line in
   * the anomalous period or after it, newest first, at most `max`.
   */
  function evidenceOfSeries(id: string, since: number, max = 5): LogTemplateEvidence[] {
    const found = seriesIndex.get(id);
    const s = found && groups.get(found.key);
    if (!found || !s) return [];
    if (found.series !== 'errors') {
      const templateId = [...s.rated].find(([, key]) => key === found.series)?.[0];
      const e = templateId === undefined ? undefined : evidenceOf(s, templateId);
      return e ? [e] : [];
    }
    return [...s.samples]
      .filter(([, k]) => k.error && k.at >= since)
      .sort(([, a], [, b]) => b.at - a.at)
      .slice(0, max)
      .flatMap(([templateId]) => evidenceOf(s, templateId) ?? []);
  }

  /** The templates of a group, with their counts. */
  function templates(stackKey: string, group: string) {
    return groups.get(`${stackKey}\u0000${group}`)?.miner.templates() ?? [];
  }

  /**
   * The evidence of every error-level template that logged since the last
   * call, and forgets them: an incident opened on metrics shows the errors
   * its service logged at the time, new or known.
   */
  function takeErrorEvidence(): LogTemplateEvidence[] {
    const out: LogTemplateEvidence[] = [];
    for (const [key, ids] of touchedErrors) {
      const s = groups.get(key);
      for (const id of s ? ids : []) {
        const e = evidenceOf(s!, id);
        if (e) out.push(e);
      }
    }
    touchedErrors.clear();
    return out;
  }

  return { ingest, flush, samples, templates, evidenceOfNew, evidenceOfSeries, takeErrorEvidence };
}

export type LogSignals = ReturnType<typeof createLogSignals>;
