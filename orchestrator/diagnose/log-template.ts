import { z } from 'zod';
import type { Deployment } from './deployment.ts';

/**
 * Log templates as diagnosis evidence: a template mined from a stack's log
 * group, with a few of its lines (redacted before they get here), the time
 * it was first seen when it was new, and whether its lines are error-level.
 * The log stage records them; diagnosis reads them as data. Pure.
 */
export const LogTemplateEvidenceSchema = z.object({
  stackKey: z.string().min(1),
  /** The CloudWatch Logs group the lines came from. */
  group: z.string().min(1),
  /** Stable key of the template (the same across restarts), for example `t0123abcd4567ef89`. */
  templateKey: z.string().min(1),
  /** The template's text, variable parts as `<*>`. */
  template: z.string(),
  /** `error` when its lines are error-level. */
  level: z.enum(['error', 'other']),
  /** When a template never seen before appeared (after the group's warm-up), epoch ms. Absent: it was known. */
  firstSeenAt: z.number().int().nonnegative().optional(),
  /** Time of the newest line kept, epoch ms. */
  at: z.number().int().nonnegative(),
  /** A few representative lines, newest last, redacted of secrets. */
  lines: z.array(z.string()).max(10),
});
export type LogTemplateEvidence = z.infer<typeof LogTemplateEvidenceSchema>;

/**
 * The new error-level templates a deployment explains: first seen on the
 * deployed stack from `rolloutMs` before the apply finished (a rollout runs
 * before its run is recorded as done) to `windowMs` after it, no later than
 * `until`, and not after a later apply to that stack (a template that appears
 * after the second of two deploys points at the second). Oldest first.
 */
export function newErrorTemplatesAfter(d: Deployment, deployments: readonly Deployment[], logs: readonly LogTemplateEvidence[], windowMs: number, until: number, rolloutMs = 0): LogTemplateEvidence[] {
  return logs
    .filter((l) => l.stackKey === d.stackKey && l.level === 'error' && l.firstSeenAt !== undefined)
    .filter((l) => l.firstSeenAt! >= d.appliedAt - rolloutMs && l.firstSeenAt! - d.appliedAt <= windowMs && l.firstSeenAt! <= until)
    .filter((l) => !deployments.some((o) => o.stackKey === d.stackKey && o.appliedAt > d.appliedAt && o.appliedAt - rolloutMs <= l.firstSeenAt!))
    .sort((a, b) => a.firstSeenAt! - b.firstSeenAt! || (a.templateKey < b.templateKey ? -1 : 1));
}
