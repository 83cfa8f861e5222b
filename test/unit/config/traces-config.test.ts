import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ConfigError, loadServiceConfig } from '../../../orchestrator/config/service-config.ts';

const BASE = {
  pulumi: { backendUrl: 'file:///var/lib/homeostat/state', passphrase: { env: 'PASS' } },
  repositories: [{ id: 'infra', url: 'https://github.com/acme/infra.git' }],
  auth: { tokens: [{ name: 'ops', role: 'operator', token: { env: 'OPS' } }] },
};
const ENV = { PASS: 'very-secret-passphrase', OPS: 'an-operator-token-0123456789', SPANS: 'a-span-ingest-token-0123456789' };

function problems(doc: unknown, env: Record<string, string> = ENV): string[] {
  try {
    loadServiceConfig(doc, env, '/etc/homeostat');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe('traces config', () => {
  it('is off by default, and reads its ingest token without ever showing it', () => {
    assert.equal(loadServiceConfig(BASE, ENV, '/etc').traces.enabled, false);
    const cfg = loadServiceConfig({ ...BASE, traces: { enabled: true, ingestToken: { env: 'SPANS' }, services: { checkout: 'shop/./checkout' } } }, ENV, '/etc');
    assert.equal(cfg.traces.ingestToken?.reveal(), ENV.SPANS);
    assert.equal(cfg.traces.periodSeconds, 60);
    assert.equal(cfg.traces.shared, false, 'one receiving process per prefix unless told otherwise');
    assert.ok(!inspect(cfg, { depth: 10 }).includes(ENV.SPANS));
  });

  it('needs an ingest token when the API uses tokens, and names the field', () => {
    assert.deepEqual(problems({ ...BASE, traces: { enabled: true } }), ['traces.ingestToken: required when auth uses tokens (span senders present it as Authorization: Bearer <token>)']);
    assert.deepEqual(problems({ ...BASE, auth: 'none', traces: { enabled: true } }), []);
    assert.deepEqual(problems({ ...BASE, auth: 'none', traces: { enabled: true, shared: 'yes' } }).map((p) => p.split(':')[0]), ['traces.shared']);
  });

  it('names a wrong field and keeps the token out of the engine', () => {
    assert.deepEqual(problems({ ...BASE, traces: { enabled: true, ingestToken: { env: 'SPANS' }, periodSeconds: 5, colour: 'red' } }).sort(), [
      "traces: Unrecognized key: \"colour\"",
      'traces.periodSeconds: Too small: expected number to be >=10',
    ].sort());
    const leak = problems({ ...BASE, pulumi: { ...BASE.pulumi, engineEnv: ['SPANS'] }, traces: { enabled: true, ingestToken: { env: 'SPANS' } } });
    assert.deepEqual(leak, ['pulumi.engineEnv.0: SPANS holds traces.ingestToken: it must not reach the engine and the programs']);
  });
});
