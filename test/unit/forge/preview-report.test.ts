import assert from 'node:assert/strict';
import { previewReport } from '../../../orchestrator/forge/preview-report.ts';
import { previewRun } from '../../support/run-records.ts';

describe('forge: the preview report of a pull request', () => {
  it('shows each change with its property diff, and passes', () => {
    const report = previewReport(previewRun());
    assert.equal(report.state, 'success');
    assert.equal(report.description, 'Preview of sandbox: 1 to update');
    assert.match(report.body, /~ pulumi-nodejs:dynamic\/homeostat:SandboxService checkout \(update\)/);
    assert.match(report.body, /capacity: 2 => 4/);
    assert.match(report.body, /All policies passed/);
  });

  it('fails on a mandatory policy violation and lists it', () => {
    const base = previewRun();
    const report = previewReport(
      previewRun({
        status: 'failed',
        reason: 'PolicyViolation',
        message: 'allowed-instance-sizes: checkout: instance size xlarge is not allowed',
        previewSummary: {
          ...base.previewSummary!,
          policyViolations: [{ policyPack: 'homeostat', policyPackVersion: '0.1.0', policy: 'allowed-instance-sizes', level: 'mandatory', message: 'checkout: instance size xlarge | not allowed' }],
        },
      }),
    );
    assert.equal(report.state, 'failure');
    assert.equal(report.description, 'Preview of sandbox failed: 1 policy violation(s)');
    assert.match(report.body, /\| allowed-instance-sizes \| mandatory \| checkout: instance size xlarge \\\| not allowed \|/);
  });
});
