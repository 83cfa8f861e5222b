import assert from 'node:assert/strict';
import { classifyChange } from '../../../orchestrator/diagnose/change-kind.ts';
import { deploymentsFromRuns } from '../../../orchestrator/diagnose/deployment.ts';
import { previewRun } from '../../support/run-records.ts';
import { contract } from '../correlate/fixtures.ts';

describe('deployments from run records', () => {
  it('keeps applied deploy runs, with their finish time and property changes', () => {
    const applied = previewRun({ id: 'r-2', apply: true, status: 'applied', commit: 'a'.repeat(40) });
    const deployments = deploymentsFromRuns([previewRun(), applied, previewRun({ id: 'r-3', apply: true, status: 'failed' }), previewRun({ apply: true, status: 'applied', mode: 'drift' })]);
    assert.deepEqual(deployments, [
      {
        stackKey: 'infra/./sandbox',
        commit: 'a'.repeat(40),
        appliedAt: Date.parse('2026-11-29T00:00:05.000Z'),
        changes: [{ resource: 'checkout', path: 'capacity', old: 2, new: 4, op: 'update' }],
      },
    ]);
  });

  it('leaves out an apply that changed only outputs: it touched no resource, though the stacks reading them run again', () => {
    const run = previewRun({ apply: true, status: 'applied', changedOutputs: ['endpoint'] });
    const outputsOnly = { ...run, previewSummary: { ...run.previewSummary!, resources: [] } };
    assert.deepEqual(deploymentsFromRuns([outputsOnly]), []);
    // One that changed a resource and outputs is a deployment as before.
    assert.equal(deploymentsFromRuns([run]).length, 1);
  });
});

describe('change classification', () => {
  const cases: { path: string; old: unknown; new: unknown; want: ReturnType<typeof classifyChange> }[] = [
    { path: 'version', old: '1.4.2', new: '1.5.0', want: { kind: 'version' } },
    { path: 'spec.template.spec.containers[0].image', old: 'app:1', new: 'app:2', want: { kind: 'version' } },
    { path: 'capacity', old: 4, new: 2, want: { kind: 'capacity', direction: 'down' } },
    { path: 'instanceSize', old: 'large', new: 'medium', want: { kind: 'capacity', direction: 'down' } },
    { path: 'spec.replicas', old: 2, new: 6, want: { kind: 'capacity', direction: 'up' } },
    { path: 'tags', old: {}, new: { owner: 'x' }, want: { kind: 'other' } },
  ];
  for (const c of cases) {
    it(`classes a change of ${c.path} as ${JSON.stringify(c.want)}`, () => {
      assert.deepEqual(classifyChange({ resource: 'svc', path: c.path, old: c.old, new: c.new }, contract()), c.want);
    });
  }
});
