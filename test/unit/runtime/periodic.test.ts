import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { every } from '../../../orchestrator/runtime/periodic.ts';

/** A promise and the functions that settle it. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('runtime: a periodic task', () => {
  it('runs at start when asked, and on its interval', async () => {
    let runs = 0;
    const task = every(20, async () => void runs++, assert.fail, { runAtStart: true });
    assert.equal(runs, 1);
    while (runs < 3) await sleep(5);
    await task.stop();
  });

  it('runs one at a time: a tick during a slow run is skipped, not overlapped', async () => {
    const gate = deferred();
    let runs = 0;
    const task = every(5, async () => {
      runs++;
      await gate.promise;
    }, assert.fail, { runAtStart: true });
    await sleep(40);
    assert.equal(runs, 1);
    gate.resolve();
    await task.stop();
  });

  it('stop waits for the run under way and starts no new one', async () => {
    const gate = deferred();
    let runs = 0;
    let finished = false;
    const task = every(10, async () => {
      runs++;
      await gate.promise;
      finished = true;
    }, assert.fail, { runAtStart: true });
    const stopping = task.stop();
    setTimeout(gate.resolve, 30);
    await stopping;
    assert.equal(finished, true);
    await sleep(40);
    assert.equal(runs, 1);
  });

  it('reports a run that fails while running, and not one that fails after stop (shutdown closing its connections)', async () => {
    const errors: string[] = [];
    const first = every(1000, async () => Promise.reject(new Error('redis down')), (e) => errors.push(e.message), { runAtStart: true });
    await sleep(5);
    await first.stop();
    assert.deepEqual(errors, ['redis down']);

    const gate = deferred();
    const second = every(1000, () => gate.promise, (e) => errors.push(e.message), { runAtStart: true });
    const stopping = second.stop();
    gate.reject(new Error('Connection is closed.'));
    await stopping;
    assert.deepEqual(errors, ['redis down']);
  });
});
