import { z } from 'zod';
import { AuditEntrySchema } from '../orchestrator/audit/index.ts';
import { IncidentRecordSchema } from '../orchestrator/correlate/incident-store.ts';
import { RemediationRecordSchema, ReviewItemSchema } from '../orchestrator/remediate/remediation-record.ts';
import { RunRecordSchema } from '../orchestrator/records/run-record.ts';
import type { ServiceRecords } from './observations.ts';
import type { RunObservation } from './verdicts/manual-change-verdict.ts';

/**
 * What the sandbox reads back from the service to judge a run: its
 * remediation records, review items, audit log and incidents for one stack, through the
 * HTTP API a person's dashboard reads, each response checked against the
 * service's own schemas.
 */

const RemediationsSchema = z.object({ remediations: z.array(RemediationRecordSchema) });
const ReviewsSchema = z.object({ reviews: z.array(ReviewItemSchema) });
const AuditSchema = z.object({ entries: z.array(AuditEntrySchema) });
const IncidentsSchema = z.object({ incidents: z.array(IncidentRecordSchema) });
const RunsSchema = z.object({ runs: z.array(RunRecordSchema) });

/** As many as the API serves in one page: a sandbox run makes far fewer. */
const LIMIT = 1000;

export interface ServiceRecordsOptions {
  serviceUrl: string;
  stackKey: string;
  /** An API token that may read (any role); needed when the service runs with tokens, as the sandbox's does. */
  token?: string;
  signal?: AbortSignal;
}

async function getJson<T>(options: ServiceRecordsOptions, path: string, schema: z.ZodType<T>): Promise<T> {
  const res = await fetch(`${options.serviceUrl}${path}`, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.token !== undefined ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
  });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  const parsed = schema.safeParse(await res.json());
  if (!parsed.success) throw new Error(`GET ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The service's remediation records, review items and audit entries about `stackKey`, newest first. */
export async function readServiceRecords(options: ServiceRecordsOptions): Promise<ServiceRecords> {
  const stack = encodeURIComponent(options.stackKey);
  const [{ remediations }, { reviews }, { entries }, { incidents, causes }, { runs }] = await Promise.all([
    getJson(options, `/api/remediations?stack=${stack}&limit=${LIMIT}`, RemediationsSchema),
    getJson(options, `/api/reviews?limit=${LIMIT}`, ReviewsSchema),
    getJson(options, `/api/audit?stack=${stack}&limit=${LIMIT}`, AuditSchema),
    getJson(options, `/api/incidents?limit=${LIMIT}`, IncidentsSchema).then(({ incidents }) => ({ incidents, causes: new Map(incidents.map((r) => [r.incident.id, r.causes[0]])) })),
    getJson(options, `/api/runs?stack=${stack}&limit=${LIMIT}`, RunsSchema),
  ]);
  const earliest = (xs: readonly number[]) => (xs.length > 0 ? Math.min(...xs) : undefined);
  return {
    remediations: remediations.map((r) => ({
      id: r.id,
      incidentId: r.incidentId,
      state: r.state,
      ...(r.playbook !== undefined ? { playbook: r.playbook } : {}),
      ...(r.proposalCommit !== undefined ? { proposalCommit: r.proposalCommit } : {}),
      ...(r.commit !== undefined ? { commit: r.commit } : {}),
      ...(r.revertCommit !== undefined ? { revertCommit: r.revertCommit } : {}),
      ...(r.reviewId !== undefined ? { reviewId: r.reviewId } : {}),
      ...(r.appliedAt !== undefined ? { appliedAt: r.appliedAt } : {}),
      ...(r.verification ? { verification: { outcome: r.verification.outcome, summary: r.verification.summary } } : {}),
      ...(r.message !== undefined ? { message: r.message } : {}),
    })),
    reviews: reviews
      .filter((r) => r.stackKey === options.stackKey)
      .map((r) => ({ id: r.id, remediationId: r.remediationId, status: r.status, playbook: r.playbook, ...(r.decidedBy !== undefined ? { decidedBy: r.decidedBy } : {}) })),
    audit: entries.map((a) => ({
      seq: a.seq,
      type: a.type,
      actor: a.actor,
      summary: a.summary,
      ...(a.incidentId !== undefined ? { incidentId: a.incidentId } : {}),
      ...(a.playbook !== undefined ? { playbook: a.playbook } : {}),
      ...(a.commit !== undefined ? { commit: a.commit } : {}),
    })),
    incidents: incidents
      .filter((r) => r.incident.stacks.includes(options.stackKey))
      .map(({ incident: i }) => {
        const warnedAt = earliest((i.predictions ?? []).filter((p) => p.stackKey === options.stackKey).map((p) => p.firstPredictedAt));
        const firstAlarmAt = earliest(i.alarms.filter((a) => a.stackKey === options.stackKey).map((a) => a.firstAlarmAt));
        const firstErrorAt = earliest(i.signals.filter((s) => s.stackKey === options.stackKey && s.role === 'errors').map((s) => s.firstAt));
        const top = causes.get(i.id);
        return {
          id: i.id,
          predicted: i.predicted === true,
          ...(warnedAt !== undefined ? { warnedAt } : {}),
          ...(firstAlarmAt !== undefined ? { firstAlarmAt } : {}),
          ...(firstErrorAt !== undefined ? { firstErrorAt } : {}),
          onsetAt: i.onsetAt,
          ...(top
            ? {
                topCause: {
                  kind: top.kind,
                  confidence: top.confidence,
                  ...(top.service ? { service: top.service } : {}),
                  ...(top.stackKey ? { stackKey: top.stackKey } : {}),
                  ...(top.changeEvent ? { principal: top.changeEvent.principal } : {}),
                },
              }
            : {}),
        };
      }),
    runs: runs.map(runObservation),
  };
}

/** The fields of a run record the verdicts read. */
function runObservation(r: z.infer<typeof RunRecordSchema>): RunObservation {
  const finishedAt = r.timings.finishedAt ? Date.parse(r.timings.finishedAt) : undefined;
  return {
    id: r.id,
    mode: r.mode,
    status: r.status,
    commit: r.commit,
    apply: r.apply,
    trigger: { kind: r.trigger.kind, ...(r.trigger.kind === 'drift' ? { driftId: r.trigger.driftId } : {}) },
    ...(r.explainedBy ? { explainedBy: r.explainedBy.map((l) => ({ principal: l.principal, eventName: l.eventName, at: l.at })) } : {}),
    enqueuedAt: Date.parse(r.timings.enqueuedAt),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
  };
}
