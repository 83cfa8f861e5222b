import assert from 'node:assert/strict';
import { readSince } from '../../../orchestrator/remediate/steps/await-apply.ts';
import type { StepContext } from '../../../orchestrator/remediate/steps/step-context.ts';

/** The part of a step context the wait for a poll reads: the read times, the verification window, the shutdown signal. */
function context(readAt: (ids: readonly string[]) => Promise<Map<string, number>>, verificationSeconds: number, closing = new AbortController().signal): StepContext {
  return { deps: { telemetryReads: { readAt }, config: { verificationSeconds } }, closing } as unknown as StepContext;
}

describe('remediation: the watermark after an apply waits for telemetry read after it', () => {
  it('waits until every named series was read by a poll that began at or after the apply', async () => {
    const applied = Date.now();
    let looks = 0;
    // cpu is read in the second look after the apply, latency only in the third.
    const readAt = async () => {
      looks += 1;
      return new Map([
        ['cpu', looks >= 2 ? applied + 10 : applied - 500],
        ['latency', looks >= 3 ? applied : applied - 500],
      ]);
    };
    assert.equal(await readSince(context(readAt, 30), ['cpu', 'latency'], applied), true);
    assert.equal(looks, 3);
  });

  it('gives up after the verification window when telemetry is behind, and says so', async () => {
    const applied = Date.now();
    const started = Date.now();
    assert.equal(await readSince(context(async () => new Map([['cpu', applied - 1]]), 0.5), ['cpu'], applied), false);
    assert.ok(Date.now() - started >= 400, 'it waited for the window');
  });

  it('does not wait when there is nothing to wait for: no named series, or no read times to consult', async () => {
    assert.equal(await readSince(context(async () => new Map(), 30), [], Date.now()), true);
    assert.equal(await readSince({ deps: { config: { verificationSeconds: 30 } }, closing: new AbortController().signal } as unknown as StepContext, ['cpu'], Date.now()), true);
  });

  it('stops waiting when the worker closes', async () => {
    const closing = new AbortController();
    setTimeout(() => closing.abort(), 50);
    const started = Date.now();
    assert.equal(await readSince(context(async () => new Map(), 30, closing.signal), ['cpu'], Date.now()), false);
    assert.ok(Date.now() - started < 5_000);
  });
});
