/**
 * Types of render.js (plain JavaScript, served to the browser as it is), so
 * that TypeScript tests can import it. Keep in step with render.js.
 */
import type { IncidentRecord } from '../../correlate/incident-store.ts';
import type { RunRecord } from '../../records/run-record.ts';
import type { StackStatus } from '../../records/stack-status.ts';
import type { SignalSeries } from '../incident-series.ts';
import type { TimelineEvent } from '../../timeline/timeline-event.ts';

/** An element description: a tag, its attributes and its children (descriptions or text). */
export interface VNode {
  tag: string;
  attrs: Record<string, unknown>;
  children: (VNode | string)[];
}
type Child = VNode | string | number | null | undefined | false | Child[];
type Summary = NonNullable<RunRecord['previewSummary']>;
type PropertyChange = Summary['resources'][number]['changes'][number];

/** A line of a diff: a resource (level 0) or one of its property changes (level 1). */
export interface DiffLine {
  op: string;
  level: 0 | 1;
  text: string;
}

/** A remediation as `GET /api/remediations` serves it. */
export interface Remediation {
  id: string;
  incidentId: string;
  stackKey: string;
  playbook: string;
  state: string;
  commit?: string;
  revertCommit?: string;
  events: { at: string | number; state: string; message?: string }[];
}

/** A review item as `GET /api/reviews` serves it. */
export interface ReviewItem {
  id: string;
  status: 'open' | 'approved' | 'rejected' | 'superseded';
  createdAt: string;
  decidedAt?: string;
  decidedBy?: string;
  reason?: string;
  stackKey: string;
  incidentId: string;
  playbook: string;
  title: string;
  explanation: string;
  confidence: number;
  risk: string;
  branch: string;
  commit: string;
  reasons: string[];
  pullRequest?: { number: number; url: string };
  mergedCommit?: string;
}

/** An audit entry as `GET /api/audit` serves it. */
export interface AuditRow {
  seq: number;
  at: string;
  type: string;
  actor: string;
  stackKey?: string;
  incidentId?: string;
  playbook?: string;
  commit?: string;
  summary: string;
  hash: string;
}

export interface ActionMarker {
  t: number;
  /** proposal, approve, commit, apply, verify, revert, reject or fail. */
  kind?: string;
  label: string;
}

/** What `GET /api/stacks/:key/links` serves. */
export interface StackLinks {
  stackKey: string;
  known: boolean;
  dependsOn: string[];
  dependents: string[];
}

export function h(tag: string, attrs?: Record<string, unknown> | null, ...children: Child[]): VNode;
export function escapeHtml(value: unknown): string;
export function toHtml(node: VNode | string): string;
export function textOf(node: VNode | string): string;
export function safeUrl(url: unknown): string | undefined;
export function clock(when: number | string | Date): string;
export function dateTime(when: number | string): string;
export function toMs(when: unknown): number;
export function shortCommit(commit: string | undefined): string;
export function num(v: unknown): string;
export function formatValue(v: unknown): string;
export const OP_SIGN: Record<string, string>;
export function changeLine(c: PropertyChange): string;
export function diffLines(summary: Summary | undefined): DiffLine[];
export function countLines(counts: Record<string, number> | undefined): string[];
export function countsShort(counts: Record<string, number> | undefined): string;
export function diffView(summary: Summary | undefined, title?: string): VNode;
export function unavailable(what: string, detail?: string): VNode;
export function stackState(status: StackStatus): { label: string; cls: string; reason: string; message: string };
export function stacksTable(stacks: StackStatus[]): VNode;
export function runsTable(runs: RunRecord[], selectedId?: string): VNode;
export function runDetail(run: RunRecord, log: string[]): VNode;
export function incidentsTable(records: IncidentRecord[], selectedId?: string): VNode;
export function incidentDetail(record: IncidentRecord, series: SignalSeries[] | string, remediations: Remediation[] | string): VNode;
export function actionMarkers(remediations: Remediation[]): ActionMarker[];
export function remediationsList(remediations: Remediation[]): VNode;
export function chart(series: SignalSeries, markers?: ActionMarker[], size?: { width?: number; height?: number }): VNode;
export function reviewsList(reviews: ReviewItem[]): VNode;
export function auditTable(entries: AuditRow[]): VNode;
export function stackHref(stackKey: string): string;
export function liveBadge(status: { mode: 'connecting' | 'live' | 'polling'; why?: string }): VNode;
export function timelineList(events: TimelineEvent[]): VNode;
export function stackLinks(links: StackLinks): VNode;
export function verifyBadge(result: { ok: boolean; count?: number; seq?: number; problem?: string } | string): VNode;
