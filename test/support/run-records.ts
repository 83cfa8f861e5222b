import type { RunRecord } from '../../orchestrator/records/run-record.ts';

/** A finished pull-request preview run of the sandbox stack, for tests that need one. */
export function previewRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'r-test-1',
    jobId: 'infra/./sandbox@' + 'c'.repeat(40) + '.preview',
    target: { repo: 'infra', project: '', stack: 'sandbox' },
    stackKey: 'infra/./sandbox',
    commit: 'c'.repeat(40),
    apply: false,
    mode: 'deploy',
    trigger: { kind: 'pull_request', deliveryId: 'd-1', forge: 'github', repoName: 'acme/infra', number: 7, headRef: 'feature/x' },
    phase: 'done',
    status: 'previewed',
    attempt: 1,
    engineVersion: 'v3.276.0',
    previewSummary: {
      counts: { create: 0, update: 1, replace: 0, delete: 0, same: 0 },
      resources: [
        {
          urn: 'urn:pulumi:sandbox::homeostat-infra::pulumi-nodejs:dynamic/homeostat:SandboxService::checkout',
          type: 'pulumi-nodejs:dynamic/homeostat:SandboxService',
          name: 'checkout',
          op: 'update',
          changes: [{ path: 'capacity', kind: 'update', replace: false, old: 2, new: 4 }],
        },
      ],
      policyViolations: [],
      outputs: {},
      errors: [],
    },
    timings: { enqueuedAt: '2026-11-29T00:00:00.000Z', startedAt: '2026-11-29T00:00:00.100Z', finishedAt: '2026-11-29T00:00:05.000Z' },
    ...overrides,
  };
}
