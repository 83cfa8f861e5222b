import assert from 'node:assert/strict';
import { applyRun, initialStatus, isBlank, isStalledFor, restoreApplied, startRun } from '../../../orchestrator/records/stack-status.ts';
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

describe('records: a stalled stack', () => {
  const OTHER = 'd'.repeat(40);
  const stalledOn = (commit: string) =>
    applyRun(initialStatus('infra/./sandbox', AT), previewRun({ apply: true, status: 'failed', reason: 'RetriesExhausted', message: '3 attempts failed', commit }), AT);

  it('stays stalled on the commit it failed on, even when that commit is run again', () => {
    const status = startRun(stalledOn(COMMIT), previewRun({ apply: true, status: 'running', commit: COMMIT }), AT);
    assert.equal(isStalledFor(status, COMMIT), true);
  });

  it('is not stalled for a new commit, whose run fails without stalling (found by bench:faults: a lock wait after a disk-full stall skipped every later push)', () => {
    const running = startRun(stalledOn(COMMIT), previewRun({ apply: true, status: 'running', commit: OTHER }), AT);
    assert.equal(isStalledFor(running, OTHER), false);
    const locked = applyRun(running, previewRun({ apply: true, status: 'failed', reason: 'StackLocked', commit: OTHER }), AT);
    assert.equal(isStalledFor(locked, OTHER), false);
    assert.equal(locked.conditions.Ready.status, false);
  });

  it('a preview of another ref leaves the stall alone', () => {
    const status = startRun(stalledOn(COMMIT), previewRun({ apply: false, status: 'running', commit: OTHER }), AT);
    assert.equal(isStalledFor(status, COMMIT), true);
  });
});
