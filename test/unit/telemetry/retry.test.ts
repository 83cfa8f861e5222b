import assert from 'node:assert/strict';
import { resolveBackoff } from '../../../orchestrator/telemetry/backoff.ts';
import { withRetry } from '../../../orchestrator/telemetry/retry.ts';

function failing(errors: unknown[], value = 'ok') {
  let calls = 0;
  return {
    call: async () => {
      const e = errors[calls++];
      if (e !== undefined) throw e;
      return value;
    },
    calls: () => calls,
  };
}
const err = (name: string, status?: number) => Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

describe('bounded retries', () => {
  const policy = resolveBackoff({ maxAttempts: 3, baseMs: 100, throttleBaseMs: 1000, maxMs: 10_000 });
  const cases: { name: string; errors: unknown[]; ok: boolean; calls: number; waits: number[] }[] = [
    { name: 'success first time: no wait', errors: [], ok: true, calls: 1, waits: [] },
    { name: 'throttled once, then served', errors: [err('Throttling', 400)], ok: true, calls: 2, waits: [500] },
    { name: 'transient twice, then served', errors: [err('InternalFailure', 500), err('X', 503)], ok: true, calls: 3, waits: [50, 100] },
    { name: '429 thrice: gives up after maxAttempts', errors: [err('X', 429), err('X', 429), err('X', 429)], ok: false, calls: 3, waits: [500, 1000] },
    { name: 'invalid: no retry', errors: [err('InvalidParameterValue', 400)], ok: false, calls: 1, waits: [] },
    { name: 'access denied: no retry', errors: [err('AccessDenied', 403)], ok: false, calls: 1, waits: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const waits: number[] = [];
      const f = failing(c.errors);
      const out = await withRetry(f.call, { policy, random: () => 0, sleep: async (ms) => void waits.push(ms) });
      assert.equal(out.ok, c.ok);
      assert.equal(out.attempts, c.calls);
      assert.equal(f.calls(), c.calls);
      assert.deepEqual(waits, c.waits);
    });
  }
  it('reports the kind and facts of the last failure', async () => {
    const out = await withRetry(failing([err('X', 429), err('AccessDenied', 403)]).call, { policy, random: () => 0, sleep: async () => {} });
    assert.ok(!out.ok);
    assert.equal(out.kind, 'persistent');
    assert.equal(out.facts.name, 'AccessDenied');
  });
});
