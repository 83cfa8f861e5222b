import assert from 'node:assert/strict';
import { loadServiceConfig } from '../../../orchestrator/config/service-config.ts';
import { sandboxConfigDoc, sandboxWindows } from '../../../sandbox/sandbox-config.ts';

const input = {
  redisUrl: 'redis://127.0.0.1:6390',
  motoUrl: 'http://127.0.0.1:5001',
  dataDir: '/tmp/sbx/data',
  stateDir: '/tmp/sbx/state',
  fleetUrl: 'http://127.0.0.1:5002',
  remote: '/tmp/sbx/git/remote.git',
  minuteSeconds: 1,
  backfillMinutes: 240,
  secretEnv: { webhook: 'W', passphrase: 'P' },
};

describe('sandbox: service config', () => {
  it('scales the production windows, counted in simulated minutes, to the minute length', () => {
    for (const s of [1, 5, 60]) {
      const w = sandboxWindows(s, 240);
      assert.equal(w.telemetry.pollIntervalSeconds, s, 'one poll per simulated minute');
      assert.equal(w.telemetry.settleSeconds, 0);
      assert.equal(w.telemetry.incidentWindowSeconds, 10 * s, '10 minutes');
      assert.equal(w.telemetry.incidentQuietSeconds, 15 * s, '15 minutes');
      assert.equal(w.diagnosis.lookbackSeconds, 30 * s, '30 minutes');
      assert.equal(w.diagnosis.leadSeconds, 5 * s);
      assert.equal(w.diagnosis.baselineSeconds, 60 * s);
      assert.equal(w.remediation.evidenceSeconds, 10 * s, '10 minutes of evidence before proposing, as in production');
      assert.equal(w.remediation.verificationSeconds, 25 * s);
      assert.equal(w.remediation.guardrails.cooldownMs, 30 * s * 1000);
      assert.equal(w.forecast.horizonMinutes * 60, 120 * s, 'a forecast horizon of 120 simulated minutes');
    }
  });

  it('reaches back over the backfill on the first poll', () => {
    assert.ok(sandboxWindows(1, 240).telemetry.initialLookbackSeconds >= 240);
    assert.ok(sandboxWindows(5, 240).telemetry.initialLookbackSeconds >= 240 * 5);
    assert.equal(sandboxWindows(1, 10).telemetry.initialLookbackSeconds, 60, 'the config needs at least 60');
  });

  it('is a valid service config: telemetry at moto and remediation enabled', () => {
    const cfg = loadServiceConfig(sandboxConfigDoc(input), { W: 'secret', P: 'pass' });
    assert.equal(cfg.telemetry.enabled, true);
    assert.equal(cfg.telemetry.endpoint, input.motoUrl);
    assert.equal(cfg.remediation.enabled, true);
    assert.equal(cfg.remediation.verificationSeconds, 25);
    assert.deepEqual(cfg.repositories.map((r) => [r.id, r.stacks]), [['sandbox', ['sandbox']]]);
    assert.equal(cfg.pulumi.env.HOMEOSTAT_FLEET_URL, input.fleetUrl);
    assert.deepEqual(cfg.forecast, { enabled: true, horizonMinutes: 2, minConfidence: 0.9 });
  });
});
