import type { TimelineEvent } from '../timeline/timeline-event.ts';

/**
 * What is worth telling a person without their looking at the dashboard, and
 * how it is read off the timeline. Every process already emits each step of
 * the loop once, as a timeline event; a notification is such an event of
 * one of these kinds. Pure: an event in, a notification (or nothing) out.
 */
export const NOTIFICATION_KINDS = [
  'incident.opened',
  'incident.resolved',
  'review.waiting',
  'remediation.applied',
  'remediation.verified',
  'remediation.reverted',
  'remediation.escalated',
  'drift.found',
  'run.failed',
  'stack.blocked',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface Notification {
  /** Unique per notification: the receivers' de-duplication key (a retry sends the same id). */
  readonly id: string;
  readonly kind: NotificationKind;
  /** ISO time of the step. */
  readonly at: string;
  /** One line, for a person. */
  readonly title: string;
  /** The timeline's line for the step. */
  readonly message: string;
  readonly stack?: string;
  readonly commit?: string;
  readonly incident?: string;
  readonly playbook?: string;
  readonly outcome?: string;
}

/** The kind of a timeline event that is worth a notification; undefined for the rest. */
export function kindOf(e: Pick<TimelineEvent, 'type' | 'outcome' | 'details'>): NotificationKind | undefined {
  switch (e.type) {
    case 'incident':
      return e.outcome === 'opened' ? 'incident.opened' : e.outcome === 'resolved' ? 'incident.resolved' : undefined;
    case 'decision':
      return e.outcome === 'review' ? 'review.waiting' : undefined;
    case 'apply':
      return e.outcome === 'remediation-applied' ? 'remediation.applied' : undefined;
    case 'verify':
      return e.outcome === 'effective' ? 'remediation.verified' : undefined;
    case 'rollback':
      return e.outcome === 'rolled-back' ? 'remediation.reverted' : e.outcome === 'escalated' ? 'remediation.escalated' : undefined;
    case 'drift':
      return 'drift.found';
    case 'error':
      // A deploy that failed for good (its stack stalls on the commit, or the retries ran out); a retry to come is not news yet.
      if (e.outcome === 'blocked') return 'stack.blocked';
      return e.outcome === 'failed' && e.details?.final === true ? 'run.failed' : undefined;
    default:
      return undefined;
  }
}

const TITLES: Record<NotificationKind, string> = {
  'incident.opened': 'Incident opened',
  'incident.resolved': 'Incident resolved',
  'review.waiting': 'A proposed change waits for review',
  'remediation.applied': 'Remediation applied, being verified',
  'remediation.verified': 'Remediation verified as effective',
  'remediation.reverted': 'Remediation did not help and was reverted',
  'remediation.escalated': 'Remediation needs a person',
  'drift.found': 'Drift found',
  'run.failed': 'Deploy failed',
  'stack.blocked': 'Deploy blocked by a failed dependency',
};

/** The notification for a timeline event, or undefined when it is not worth one; `id` comes from the caller (pure code makes no random ids). */
export function notificationOf(e: TimelineEvent, id: string): Notification | undefined {
  const kind = kindOf(e);
  if (!kind) return undefined;
  return {
    id,
    kind,
    at: e.at,
    title: `${TITLES[kind]}${e.stack ? `: ${e.stack}` : ''}`,
    message: e.message,
    ...(e.stack ? { stack: e.stack } : {}),
    ...(e.commit ? { commit: e.commit } : {}),
    ...(e.incident ? { incident: e.incident } : {}),
    ...(e.playbook ? { playbook: e.playbook } : {}),
    ...(e.outcome ? { outcome: e.outcome } : {}),
  };
}
