import assert from 'node:assert/strict';
import { classifyEngineError } from '../../../orchestrator/engine/engine-errors.ts';
import { ForeignLockError, StackBusyError } from '../../../orchestrator/engine/stack-runner.ts';
import { engineFailure, StalledError, TransientError, WaitingError } from '../../../orchestrator/deploy/deploy-errors.ts';
import { jobOutcome } from '../../../orchestrator/deploy/job-outcome.ts';

describe('deploy: what a failed run means for its job', () => {
  it('a stalled run fails the job at once, with its reason, even on the first attempt', () => {
    assert.deepEqual(jobOutcome(new StalledError('PolicyViolation', 'no-public-bucket: bucket is public'), 1), {
      status: 'failed',
      reason: 'PolicyViolation',
      message: 'no-public-bucket: bucket is public',
      next: { action: 'fail' },
    });
  });

  it('a waiting run comes back after 2 s without counting an attempt, even on the last one', () => {
    assert.deepEqual(jobOutcome(new WaitingError('ConcurrentUpdate', 'error: [409] Conflict'), 3), {
      status: 'failed',
      reason: 'ConcurrentUpdate',
      message: 'error: [409] Conflict',
      next: { action: 'delay', delayMs: 2000 },
    });
  });

  it('a run waiting on someone else\'s lock comes back when its error says', () => {
    const outcome = jobOutcome(new WaitingError('StackLocked', 'Locked by alice@laptop (pid 7)', 15_000), 1);
    assert.deepEqual(outcome.next, { action: 'delay', delayMs: 15_000 });
    assert.equal(outcome.message, 'Locked by alice@laptop (pid 7)');
  });

  it('a run cancelled by shutdown is aborted, not failed, and its job comes back', () => {
    assert.deepEqual(jobOutcome(new WaitingError('Cancelled', 'cancelled by shutdown'), 1), {
      status: 'aborted',
      reason: 'Cancelled',
      message: 'cancelled by shutdown',
      next: { action: 'delay', delayMs: 2000 },
    });
  });

  it('a transient failure is retried with backoff while attempts remain', () => {
    assert.deepEqual(jobOutcome(new TransientError('SourceUnavailable', 'git fetch failed'), 2), {
      status: 'failed',
      reason: 'SourceUnavailable',
      message: 'git fetch failed',
      next: { action: 'retry' },
    });
  });

  it('the last transient attempt fails the job: retries exhausted, naming the last error', () => {
    assert.deepEqual(jobOutcome(new TransientError('EngineError', 'error: connection reset by peer'), 3), {
      status: 'failed',
      reason: 'RetriesExhausted',
      message: '3 attempts failed; last: error: connection reset by peer',
      next: { action: 'fail' },
    });
  });

  it('any other error is a transient engine error', () => {
    assert.deepEqual(jobOutcome(new Error('lost the lock of r/p/s (fence 4)'), 1), {
      status: 'failed',
      reason: 'EngineError',
      message: 'lost the lock of r/p/s (fence 4)',
      next: { action: 'retry' },
    });
  });

  it('the engine\'s lock errors wait like a locked stack', () => {
    for (const err of [new StackBusyError('stack dev is locked by engine process 12 of ours'), new ForeignLockError([])]) {
      const outcome = jobOutcome(err, 3);
      assert.equal(outcome.reason, 'StackLocked');
      assert.deepEqual(outcome.next, { action: 'delay', delayMs: 2000 });
    }
  });

  it('an engine failure takes its kind and reason from the engine-error table', () => {
    const table: [string, string, string][] = [
      ['error: Program exited with non-zero exit code: 1', 'fail', 'InvalidProgram'],
      ['error: the stack is currently locked by 1 lock(s).', 'delay', 'StackLocked'],
      ['error: read tcp 127.0.0.1: connection reset by peer', 'retry', 'EngineError'],
    ];
    for (const [text, action, reason] of table) {
      const outcome = jobOutcome(engineFailure(classifyEngineError(text), text), 1);
      assert.equal(outcome.next.action, action, text);
      assert.equal(outcome.reason, reason, text);
    }
  });

  it('a full disk waits 15 s without counting an attempt, whichever step met it (bench:faults: three quick attempts used to stall the stack)', () => {
    const git = new Error("git checkout -q --detach --force abc failed: fatal: sha1 file '.../index.lock' write error. Out of diskspace");
    assert.deepEqual(jobOutcome(git, 3), { status: 'failed', reason: 'DiskFull', message: git.message, next: { action: 'delay', delayMs: 15_000 } });
    const engine = engineFailure(classifyEngineError('error: write /state/.pulumi/stacks/x.json: no space left on device'), 'no space left on device');
    assert.deepEqual(jobOutcome(engine, 3).next, { action: 'delay', delayMs: 15_000 });
    assert.equal(jobOutcome(new Error('npm ci failed (exit 228): ENOSPC: no space left on device, write'), 1).reason, 'DiskFull');
  });
});
