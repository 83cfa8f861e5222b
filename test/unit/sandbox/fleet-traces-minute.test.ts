import assert from 'node:assert/strict';
import { callGraphMinuteOf, FRONTEND_SELF_MS, PAYMENTS_BASE_MS, TRACED_REQUESTS_PER_MINUTE } from '../../../sandbox/fleet-traces.ts';
import { sandboxConfigDoc } from '../../../sandbox/sandbox-config.ts';
import { loadServiceConfig } from '../../../orchestrator/config/service-config.ts';

describe('sandbox: the call graph of a simulated minute', () => {
  it("puts checkout's whole p95 on checkout's span, payments' share inside it, when nothing is slow", () => {
    const m = callGraphMinuteOf({ requestCount: 500, latencyP95: 200 }, 1, null, 42_000, 1000);
    assert.deepEqual(m.selfMs, { frontend: FRONTEND_SELF_MS, checkout: 200 - PAYMENTS_BASE_MS, payments: PAYMENTS_BASE_MS });
    assert.equal(m.requests, TRACED_REQUESTS_PER_MINUTE, 'sampled');
    assert.equal(m.at, 42_000);
    assert.equal(m.minuteMs, 1000);
  });

  it("gives the rise to payments' own time when the scenario slows payments, to checkout's otherwise (a bad release, queueing under load)", () => {
    const slowPayments = callGraphMinuteOf({ requestCount: 10, latencyP95: 500 }, 2.5, 'payments', 0, 1000);
    assert.equal(slowPayments.selfMs.checkout, 200 - PAYMENTS_BASE_MS, "checkout's own time unchanged");
    assert.equal(slowPayments.selfMs.payments, PAYMENTS_BASE_MS + 300);
    assert.equal(slowPayments.requests, 10);
    const badRelease = callGraphMinuteOf({ requestCount: 10, latencyP95: 500 }, 2.5, null, 0, 1000);
    assert.equal(badRelease.selfMs.payments, PAYMENTS_BASE_MS, "payments' own time unchanged");
    const saturated = callGraphMinuteOf({ requestCount: 10, latencyP95: 900 }, 1, null, 0, 1000);
    assert.equal(saturated.selfMs.payments, PAYMENTS_BASE_MS, "checkout's queueing is not payments'");
  });

  it('the sandbox service config turns the receiver on with its own token, checkout in the sandbox stack', () => {
    const doc = sandboxConfigDoc({
      redisUrl: 'redis://127.0.0.1:6390',
      motoUrl: 'http://127.0.0.1:5001',
      dataDir: '/tmp/sbx/data',
      stateDir: '/tmp/sbx/state',
      fleetUrl: 'http://127.0.0.1:5002',
      remote: '/tmp/sbx/git/remote.git',
      minuteSeconds: 1,
      backfillMinutes: 240,
      secretEnv: { webhook: 'W', passphrase: 'P', adminToken: 'A' },
      tracesTokenEnv: 'T',
    });
    const config = loadServiceConfig(doc, { W: 'w', P: 'p', A: 'a'.repeat(32), T: 't'.repeat(32) });
    assert.equal(config.traces.enabled, true);
    assert.equal(config.traces.periodSeconds, 10, 'ten simulated minutes at one second a minute');
    assert.deepEqual(config.traces.services, { checkout: 'sandbox/./sandbox' });
    assert.ok(config.traces.ingestToken, 'token auth needs an ingest token');
    assert.equal(config.remediation.evidenceSeconds, 14, 'a trace period (10 s), its settling (1 s) and a tick (2.5 s) after the onset, before proposing');
  });
});
