import type { Incident } from '../correlate/incident.ts';
import type { LogTemplateEvidence } from '../diagnose/log-template.ts';

/**
 * Which log templates an incident shows, and how a template's evidence is
 * updated as more of its lines come. Pure; the store and the log stage do
 * the I/O.
 */

/**
 * One template's evidence, recorded again: the newer lines win, and a first
 * time once known is kept (a template stays "new since" its first line).
 */
export function mergeEvidence(old: LogTemplateEvidence | undefined, next: LogTemplateEvidence): LogTemplateEvidence {
  if (!old) return next;
  const firstSeenAt = old.firstSeenAt === undefined ? next.firstSeenAt : next.firstSeenAt === undefined ? old.firstSeenAt : Math.min(old.firstSeenAt, next.firstSeenAt);
  const newer = next.at >= old.at ? next : old;
  const { firstSeenAt: _dropped, ...rest } = newer;
  return { ...rest, ...(firstSeenAt !== undefined ? { firstSeenAt } : {}) };
}

export interface IncidentLogOptions {
  /** Lines from this long before the onset count (a fault logs before a metric breaks). */
  lookbackMs: number;
  /** And up to this long after the incident last turned abnormal. */
  graceMs: number;
  /** Templates shown at most. @defaultValue 5 */
  maxTemplates?: number;
}

/**
 * The log templates behind an incident: those of its stacks with lines from
 * `lookbackMs` before the onset to `graceMs` after it last turned abnormal;
 * error-level first, then new ones, then the most recent.
 */
export function incidentLogs(incident: Pick<Incident, 'stacks' | 'onsetAt' | 'lastAbnormalAt'>, evidence: readonly LogTemplateEvidence[], o: IncidentLogOptions): LogTemplateEvidence[] {
  const rank = (l: LogTemplateEvidence) => (l.level === 'error' ? 0 : 2) + (l.firstSeenAt !== undefined ? 0 : 1);
  return evidence
    .filter((l) => incident.stacks.includes(l.stackKey))
    // Lines in the window: the newest after its start, and (for a new template) the first before its end; a known template logged all along.
    .filter((l) => l.at >= incident.onsetAt - o.lookbackMs && (l.firstSeenAt ?? 0) <= incident.lastAbnormalAt + o.graceMs)
    .sort((a, b) => rank(a) - rank(b) || b.at - a.at || (a.templateKey < b.templateKey ? -1 : 1))
    .slice(0, o.maxTemplates ?? 5);
}

/** One line per template for a timeline event: `<group>: <newest line>`, new ones marked. */
export function logHeadlines(logs: readonly LogTemplateEvidence[], max = 2): string[] {
  return logs.slice(0, max).map((l) => `${l.firstSeenAt !== undefined ? 'new ' : ''}${l.level === 'error' ? 'error ' : ''}log in ${l.group}: ${l.lines.at(-1) ?? l.template}`);
}
