import type { TimelineEvent } from '../orchestrator/timeline/timeline-event.ts';
import type { ServiceShape } from './fleet-model.ts';
import type { SandboxPlan } from './scenario-plan.ts';
import type { ServiceSample } from './scenarios.ts';
import type { DeployBranch, RunObservation } from './verdicts/manual-change-verdict.ts';
import type { CauseObservation } from './verdicts/dependency-slowdown-verdict.ts';

/**
 * What a sandbox run is judged on, and what the judgement says: the fleet's
 * minutes, the service's records as read back (remediations, review items,
 * audit, incidents, runs), the deploy branch's history, and the verdict with
 * its measurements. Types only; `scenario-verdict.ts` judges.
 */

/** One simulated minute as the sandbox played it. */
export interface MinuteRecord {
  readonly minute: number;
  /** Real time the minute started, ms since the epoch (also its CloudWatch timestamp). */
  readonly realMs: number;
  readonly samples: readonly ServiceSample[];
  /** The fleet's services as they were during the minute. */
  readonly services: readonly ServiceShape[];
}

/** A remediation commit on the deploy branch, from its trailers. */
export interface RemediationCommit {
  readonly sha: string;
  readonly subject: string;
  readonly author: string;
  /** `Homeostat-Playbook`. */
  readonly playbook: string;
  /** `Homeostat-Revert-Of`, when the commit undoes an earlier remediation. */
  readonly revertOf?: string;
}

/** A remediation as the service records it (`GET /api/remediations`): the fields the verdict reads. */
export interface RemediationObservation {
  readonly id: string;
  readonly incidentId: string;
  /** remediation-record.ts `RemediationState`. */
  readonly state: string;
  /** The playbook whose proposal it carries; absent when no playbook proposed anything. */
  readonly playbook?: string;
  /** The proposal's commit on its branch. */
  readonly proposalCommit?: string;
  /** The commit on the deploy branch that carries the change: set once it was committed (automatically or approved). */
  readonly commit?: string;
  readonly revertCommit?: string;
  readonly reviewId?: string;
  /** When the deploy path applied it. */
  readonly appliedAt?: string;
  readonly verification?: { readonly outcome: 'effective' | 'not-effective'; readonly summary: string };
  /** Why it ended where it did. */
  readonly message?: string;
}

/** A review item as the service records it (`GET /api/reviews`). */
export interface ReviewObservation {
  readonly id: string;
  readonly remediationId: string;
  readonly status: string;
  readonly playbook: string;
  readonly decidedBy?: string;
}

/** An audit log entry (`GET /api/audit`): the fields the verdict reads. */
export interface AuditObservation {
  readonly seq: number;
  readonly type: string;
  readonly actor: string;
  readonly incidentId?: string;
  readonly playbook?: string;
  readonly commit?: string;
  readonly summary: string;
}

/** An incident as the service records it (`GET /api/incidents`): the times the warning check reads, epoch ms. */
export interface IncidentObservation {
  readonly id: string;
  /** Opened on a forecast (a predicted incident). */
  readonly predicted: boolean;
  /** Earliest point a breach was forecast from, when the incident holds predictions. */
  readonly warnedAt?: number;
  /** Earliest alarm of the incident in ALARM. */
  readonly firstAlarmAt?: number;
  /** Earliest anomalous point of an `errors` signal. */
  readonly firstErrorAt?: number;
  /** Its first abnormal point (dependency-slowdown's verdict reads it). */
  readonly onsetAt?: number;
  /** Its top-ranked probable cause, when it was diagnosed (with who made the change, for a manual change). */
  readonly topCause?: CauseObservation & { readonly principal?: string };
}

/** The service's own records about the sandbox stack. */
export interface ServiceRecords {
  readonly remediations: readonly RemediationObservation[];
  readonly reviews: readonly ReviewObservation[];
  readonly audit: readonly AuditObservation[];
  /** Its incidents; absent when not read (then no warning is on record). */
  readonly incidents?: readonly IncidentObservation[];
  /** The stack's runs (deploys and drift checks), newest first; absent when not read. */
  readonly runs?: readonly RunObservation[];
}

export interface Observations {
  readonly plan: SandboxPlan;
  /** Real milliseconds per simulated minute. */
  readonly minuteMs: number;
  /** The service's timeline: for the measurements only (when it detected, committed). */
  readonly events: readonly TimelineEvent[];
  /** In order, one per minute played. */
  readonly minutes: readonly MinuteRecord[];
  /** The deploy branch's remediation commits; undefined when not read (yet). */
  readonly git?: readonly RemediationCommit[];
  /** The service's records; undefined when not read (yet). */
  readonly records?: ServiceRecords;
  /** The deploy branch's head and the sandbox stack file's config there; undefined when not read. */
  readonly deployBranch?: DeployBranch;
}

/** A moment, counted from the fault's onset. */
export interface Mark {
  readonly simMinutes: number;
  readonly realMs: number;
}

export interface Measurements {
  /** Simulated minute the fault began (for a bad release: the first minute the bad version ran). */
  readonly onsetMinute: number | null;
  /** First anomaly or incident after the onset. */
  readonly detection: Mark | null;
  /** First remediation commit after the onset. */
  readonly commit: Mark | null;
  /** First minute after that commit from which the fleet stayed healthy (for no-action: after the fault). */
  readonly recovery: Mark | null;
  /** Remediation commits on the deploy branch (automatic or approved). */
  readonly actions: number;
  /** Remediations that carried a playbook's proposal. */
  readonly proposals: number;
  /** First minute from the onset of {@link ERROR_SLO_MINUTES} in a row with errors at or above the SLO. */
  readonly firstErrorMinute: number | null;
  /** First minute the fleet ran resized or without the bad version. */
  readonly remedyMinute: number | null;
  /** The forecast's warning, from the service's incident records (null before they are read). */
  readonly warning: Warning | null;
}

/**
 * When the service warned of a breach ahead (its first predicted incident's first forecast), and
 * how long before the first error and the first alarm, in simulated minutes; null where none came.
 */
export interface Warning {
  readonly warnedMinute: number | null;
  /** First minute from the onset with the error rate at or above the SLO, or an anomalous errors signal on record. */
  readonly firstErrorMinute: number | null;
  /** First alarm in ALARM on record. */
  readonly firstAlarmMinute: number | null;
  readonly leadBeforeErrorMinutes: number | null;
  readonly leadBeforeAlarmMinutes: number | null;
}

/** What the service's records and the deploy branch say happened: the facts the verdict compares with the expectation. */
export interface WhatHappened {
  /** Playbooks proposed, one per remediation that carried a proposal (or an audit entry of one), oldest first. */
  readonly proposed: readonly string[];
  /** Review items opened, with their status. */
  readonly reviewItems: readonly string[];
  /** Changes that reached the deploy branch, as `<playbook> <commit> (<state>)`. */
  readonly applied: readonly string[];
  /** Playbooks whose change was applied and verified effective (record, audit log and deploy branch agree). */
  readonly verifiedEffective: readonly string[];
  /** Remediations not yet in a final state. */
  readonly inFlight: readonly string[];
}

export type VerdictStatus = 'pending' | 'passed' | 'failed';

export interface Verdict {
  readonly status: VerdictStatus;
  /** One line for a person. */
  readonly summary: string;
  readonly reasons: readonly string[];
  readonly measurements: Measurements;
  /** What happened, once the records were read. */
  readonly observed?: WhatHappened;
  /** Judging needs the service's records and the Git history, which were not given. */
  readonly needsRecords: boolean;
}
