import assert from 'node:assert/strict';
import { applyRun, initialStatus, isBlank, restoreApplied } from '../../../orchestrator/records/stack-status.ts';
import { previewRun } from '../../support/run-records.ts';

const AT = '2026-11-30T12:00:00.000Z';
const COMMIT = 'c'.repeat(40);

describe('records: a stack status restored from the state backend', () => {
  it('a stack Redis knows nothing of is blank; one with any run is not', () => {
    assert.equal(isBlank(initialStatus('infra/./sandbox', AT)), true);
    const run = previewRun({ apply: true, status: 'applied', commit: COMMIT });
    assert.equal(isBlank(applyRun(initialStatus('infra/./sandbox', AT), run, AT)), false);
  });

  it('is Ready at the commit the backend names, with its outputs, and says where that came from', () => {
    const status = restoreApplied(initialStatus('infra/./sandbox', AT), COMMIT, AT, { url: 'http://x' });
    assert.equal(status.appliedCommit, COMMIT);
    assert.equal(status.observedCommit, COMMIT);
    assert.deepEqual(status.outputs, { url: 'http://x' });
    assert.equal(status.conditions.Ready.status, true);
    assert.equal(status.conditions.Ready.reason, 'Restored');
    assert.match(status.conditions.Ready.message, /state backend/);
    assert.equal(status.conditions.Stalled.status, false);
  });
});
