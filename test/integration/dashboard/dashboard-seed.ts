import type { IncidentRecord } from '../../../orchestrator/correlate/incident-store.ts';
import { RunRecordSchema, type RunRecord } from '../../../orchestrator/records/run-record.ts';
import { applyRun, initialStatus, startRun } from '../../../orchestrator/records/stack-status.ts';
import { remediationIdOf, RemediationRecordSchema } from '../../../orchestrator/remediate/remediation-record.ts';
import { previewRun } from '../../support/run-records.ts';
import type { DashboardServer } from './dashboard-server.ts';

/** The records the dashboard tests show: a stack, its runs, an incident with its signal and scores, a remediation and audit entries. */
export const STACK = 'infra/./sandbox';
export const APPLIED = 'a'.repeat(40);
export const PROPOSED = 'b'.repeat(40);
export const T0 = Date.parse('2026-11-29T00:00:00Z');
export const MIN = 60_000;

/** The applied run of the stack: the stack's current commit. */
function appliedRun(): RunRecord {
  return RunRecordSchema.parse(
    previewRun({
      id: 'r-applied',
      jobId: `${STACK}@${APPLIED}`,
      commit: APPLIED,
      apply: true,
      status: 'applied',
      trigger: { kind: 'push', deliveryId: 'd-0', forge: 'github', ref: 'refs/heads/main' },
      timings: { enqueuedAt: '2026-11-29T00:00:00.000Z', startedAt: '2026-11-29T00:00:00.100Z', finishedAt: '2026-11-29T00:00:05.000Z' },
    }),
  );
}

/** A pull request's preview: checkout scaled from 2 to 4, a new queue, and an advisory policy violation. */
function proposedRun(): RunRecord {
  return RunRecordSchema.parse(
    previewRun({
      id: 'r-preview',
      jobId: `${STACK}@${PROPOSED}.preview`,
      commit: PROPOSED,
      timings: { enqueuedAt: '2026-11-29T00:10:00.000Z', startedAt: '2026-11-29T00:10:00.100Z', finishedAt: '2026-11-29T00:10:04.000Z' },
      previewSummary: {
        counts: { create: 1, update: 1, replace: 0, delete: 0, same: 1 },
        resources: [
          {
            urn: 'urn:pulumi:sandbox::homeostat-infra::pulumi-nodejs:dynamic/homeostat:SandboxService::checkout',
            type: 'pulumi-nodejs:dynamic/homeostat:SandboxService',
            name: 'checkout',
            op: 'update',
            changes: [{ path: 'capacity', kind: 'update', replace: false, old: 2, new: 4 }],
          },
          {
            urn: 'urn:pulumi:sandbox::homeostat-infra::pulumi-nodejs:dynamic/homeostat:SandboxQueue::jobs',
            type: 'pulumi-nodejs:dynamic/homeostat:SandboxQueue',
            name: 'jobs',
            op: 'create',
            changes: [{ path: 'visibilityTimeout', kind: 'add', replace: false, new: 30 }],
          },
          { urn: 'urn:pulumi:sandbox::homeostat-infra::pulumi:pulumi:Stack::homeostat-infra-sandbox', type: 'pulumi:pulumi:Stack', name: 'homeostat-infra-sandbox', op: 'same', changes: [] },
        ],
        policyViolations: [{ policyPack: 'homeostat', policyPackVersion: '0.1.0', policy: 'capacity-limit', level: 'advisory', message: 'capacity 4 is above the advised 3' }],
        outputs: {},
        errors: [],
      },
    }),
  );
}

/** A run whose texts are markup, to show that the page prints them as text. */
function hostileRun(): RunRecord {
  return RunRecordSchema.parse(
    previewRun({
      id: 'r-hostile',
      jobId: `${STACK}@${'d'.repeat(40)}.preview`,
      commit: 'd'.repeat(40),
      status: 'failed',
      reason: 'EngineError',
      message: '<img src=x onerror="window.__pwned=1">',
      timings: { enqueuedAt: '2026-11-29T00:05:00.000Z' },
    }),
  );
}

export const INCIDENT_ID = `${STACK}@20261129T0000Z`;

/** An open incident on the stack's CPU, with the recent values it was detected in. */
function incidentRecord(): IncidentRecord {
  return {
    incident: {
      id: INCIDENT_ID,
      status: 'open',
      stackKey: STACK,
      stacks: [STACK],
      onsetAt: T0 + 6 * MIN,
      updatedAt: T0 + 8 * MIN,
      lastAbnormalAt: T0 + 8 * MIN,
      signals: [
        { seriesId: 'sandbox/cpu', stackKey: STACK, signalId: 'cpu', firstAt: T0 + 6 * MIN, lastAt: T0 + 8 * MIN, points: 3, firstValue: 88, lastValue: 92, peakValue: 97, peakScore: 0.99, threshold: 0.9 },
      ],
      alarms: [],
      evidence: ['cpu 88 at 00:06, score 0.93'],
      omitted: 0,
    },
    causes: [{ kind: 'saturation', confidence: 0.8, evidence: ['cpu near its limit'], stackKey: STACK, explanation: 'demand doubled while capacity stayed at 2', check: 'compare requests with capacity' }],
    summary: 'checkout CPU saturated',
    updatedAt: '2026-11-29T00:08:00.000Z',
  };
}
export const CPU = [40, 42, 41, 39, 43, 41, 88, 97, 92, 45];
/** The anomaly score of each CPU value. */
export const SCORES = [0.1, 0.12, 0.1, 0.15, 0.2, 0.1, 0.93, 0.99, 0.95, 0.3];

export async function seed(s: DashboardServer): Promise<void> {
  const applied = appliedRun();
  const at = '2026-11-29T00:00:05.000Z';
  await s.store.save(applied);
  await s.store.saveStatus(applyRun(startRun(initialStatus(STACK, at), applied, at), applied, at));
  await s.store.save(proposedRun());
  await s.store.appendLog('r-preview', ['previewing sandbox', '~ checkout capacity 2 => 4']);
  await s.store.save(hostileRun());
  await s.incidents.save(incidentRecord());
  await s.incidents.addRecent(CPU.map((value, k) => ({ seriesId: 'sandbox/cpu', timestamp: T0 + k * MIN, value })));
  // The detector's score of each of those points, as the detect runner stores them.
  await s.scores.add(SCORES.map((score, k) => ({ seriesId: 'sandbox/cpu', timestamp: T0 + k * MIN, score })));
  // What was done about the incident: committed at 00:08:30, applied and verifying at 00:09:00.
  const committedAt = new Date(T0 + 8.5 * MIN).toISOString();
  const appliedAt = new Date(T0 + 9 * MIN).toISOString();
  await s.remediations.save(
    RemediationRecordSchema.parse({
      id: remediationIdOf(INCIDENT_ID), incidentId: INCIDENT_ID, stackKey: STACK, repoId: 'infra', state: 'verifying', createdAt: committedAt, updatedAt: appliedAt,
      playbook: 'scale-out', mode: 'auto', commit: PROPOSED,
      events: [
        { at: committedAt, state: 'committed', message: `${PROPOSED.slice(0, 12)} committed to main` },
        { at: appliedAt, state: 'verifying', message: 'applied; watching cpu' },
      ],
    }),
  );
  await s.audit.append({ type: 'decision', stackKey: STACK, incidentId: INCIDENT_ID, playbook: 'scale-out', summary: 'auto: confidence 0.85 above 0.70' });
  await s.audit.append({ type: 'commit', stackKey: STACK, incidentId: INCIDENT_ID, playbook: 'scale-out', commit: PROPOSED, summary: `${PROPOSED.slice(0, 12)} committed to main` });
}

