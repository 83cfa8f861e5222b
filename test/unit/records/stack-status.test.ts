import assert from 'node:assert/strict';
import { applyFailed, applyRun, blockRun, initialStatus, isBlank, isStalledFor, restoreApplied, startRun } from '../../../orchestrator/records/stack-status.ts';
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

describe('records: whether a stack\'s own apply failed (what the intake holds later pushes against)', () => {
  const blank = () => initialStatus('infra/./web-prod', AT);
  const failedOnce = () => applyRun(blank(), previewRun({ apply: true, status: 'failed', reason: 'MissingPlugin', commit: COMMIT }), AT);

  it('a failed apply, finished, with nothing under way, counts', () => {
    assert.equal(applyFailed(failedOnce()), true);
  });

  it('a stack never run, or one whose run is under way, does not', () => {
    assert.equal(applyFailed(blank()), false);
    assert.equal(applyFailed(startRun(blank(), previewRun({ apply: true, status: 'running', commit: COMMIT }), AT)), false);
    assert.equal(applyFailed(startRun(failedOnce(), previewRun({ apply: true, status: 'running', commit: 'd'.repeat(40) }), AT)), false);
  });

  it('a stack waiting on a dependency does not (the dependency\'s apply resumes it), nor an applied one', () => {
    assert.equal(applyFailed(blockRun(blank(), COMMIT, 'infra/./network failed', AT)), false);
    assert.equal(applyFailed(applyRun(blank(), previewRun({ apply: true, status: 'applied', commit: COMMIT }), AT)), false);
  });

  it('a pull request\'s failed preview does not', () => {
    assert.equal(applyFailed(applyRun(blank(), previewRun({ apply: false, status: 'failed', reason: 'PolicyViolation', commit: COMMIT }), AT)), false);
  });
});
