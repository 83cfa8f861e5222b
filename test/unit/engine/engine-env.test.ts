import assert from 'node:assert/strict';
import { engineEnvVars, engineHome } from '../../../orchestrator/engine/engine-env.ts';

describe('engine environment: the service and a person see the same backend', () => {
  it('points the engine at the backend and the passphrase, and away from Pulumi Cloud', () => {
    const env = engineEnvVars({ backendUrl: 's3://acme-state', passphrase: 'p4ss' });
    assert.equal(env.PULUMI_BACKEND_URL, 's3://acme-state');
    assert.equal(env.PULUMI_CONFIG_PASSPHRASE, 'p4ss');
    assert.equal(env.PULUMI_SKIP_UPDATE_CHECK, 'true');
    assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'true');
    assert.equal(env.PULUMI_HOME, undefined, 'a shared backend keeps the user\'s engine home');
  });

  it('keeps a file backend\'s engine home beside its state', () => {
    assert.equal(engineHome({ backendUrl: 'file:///var/lib/homeostat/state' }), '/var/lib/homeostat/pulumi-home');
    assert.equal(engineEnvVars({ backendUrl: 'file:///srv/h/state', passphrase: 'x' }).PULUMI_HOME, '/srv/h/pulumi-home');
    assert.equal(engineHome({ backendUrl: 'file:///srv/h/state', pulumiHome: '/opt/ph' }), '/opt/ph');
  });

  it('lets the config add variables but never override the backend settings', () => {
    const env = engineEnvVars({ backendUrl: 'file:///s/state', passphrase: 'x', env: { AWS_REGION: 'eu-west-1', PULUMI_BACKEND_URL: 'https://api.pulumi.com' } });
    assert.equal(env.AWS_REGION, 'eu-west-1');
    assert.equal(env.PULUMI_BACKEND_URL, 'file:///s/state');
  });
});
