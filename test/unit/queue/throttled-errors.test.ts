import assert from 'node:assert/strict';
import { throttledErrors } from '../../../orchestrator/queue/throttled-errors.ts';

describe('throttled errors', () => {
  it('passes each message on once per window, and again when the window is over', () => {
    let now = 0;
    const said: string[] = [];
    const report = throttledErrors((err) => said.push(err.message), 60_000, () => now);
    for (let i = 0; i < 40; i++) {
      report(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      now += 2_000;
    }
    report(new Error('READONLY You cannot write against a read only replica.'));
    assert.deepEqual(said, ['connect ECONNREFUSED 127.0.0.1:6379', 'connect ECONNREFUSED 127.0.0.1:6379', 'READONLY You cannot write against a read only replica.']);
  });
});
