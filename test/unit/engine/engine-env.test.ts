import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { COMPILE_CACHE_PRELOAD, declaredEngineEnv, engineEnvironment, engineEnvVars, engineHome } from '../../../orchestrator/engine/engine-env.ts';
import type { PluginsConfig } from '../../../orchestrator/config/plugins-config.ts';

const OFF: PluginsConfig = { mode: 'off' };
import { hideAmbient } from '../../../orchestrator/engine/sealed-command.ts';

describe('engine environment: the service and a person see the same backend', () => {
  it('points the engine at the backend and the passphrase, and away from Pulumi Cloud', () => {
    const env = engineEnvVars({ backendUrl: 's3://acme-state', passphrase: 'p4ss', plugins: OFF });
    assert.equal(env.PULUMI_BACKEND_URL, 's3://acme-state');
    assert.equal(env.PULUMI_CONFIG_PASSPHRASE, 'p4ss');
    assert.equal(env.PULUMI_SKIP_UPDATE_CHECK, 'true');
    assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'true');
    assert.equal(env.PULUMI_HOME, undefined, 'a shared backend keeps the user\'s engine home');
  });

  it('adds no Node options of its own without a compile cache (Pulumi\'s hosts map stack traces themselves), keeping the config\'s', () => {
    assert.equal(engineEnvVars({ backendUrl: 's3://a', passphrase: 'p', plugins: OFF }).NODE_OPTIONS, undefined);
    assert.equal(engineEnvVars({ backendUrl: 's3://a', passphrase: 'p', plugins: OFF, env: { NODE_OPTIONS: '--max-old-space-size=2048' } }).NODE_OPTIONS, '--max-old-space-size=2048');
  });

  it('gives the engine\'s Node.js processes the compile cache it is told of, unless the config names its own', () => {
    const base = { backendUrl: 's3://a', passphrase: 'p', plugins: OFF };
    assert.equal(engineEnvVars(base).NODE_COMPILE_CACHE, undefined);
    assert.equal(engineEnvVars({ ...base, compileCacheDir: '/var/lib/h/cache/node-compile' }).NODE_COMPILE_CACHE, '/var/lib/h/cache/node-compile');
    assert.equal(engineEnvVars({ ...base, compileCacheDir: '/var/lib/h/cache/node-compile', env: { NODE_COMPILE_CACHE: '/fast/ncc' } }).NODE_COMPILE_CACHE, '/fast/ncc');
  });

  it('loads the compile cache\'s preload in every Node.js process of an engine with a cache, after the config\'s own options', () => {
    const base = { backendUrl: 's3://a', passphrase: 'p', plugins: OFF, compileCacheDir: '/var/lib/h/cache/node-compile' };
    const preload = `--require=${JSON.stringify(COMPILE_CACHE_PRELOAD)}`;
    assert.equal(engineEnvVars(base).NODE_OPTIONS, preload);
    assert.equal(engineEnvVars({ ...base, env: { NODE_OPTIONS: '--max-old-space-size=2048' } }).NODE_OPTIONS, `--max-old-space-size=2048 ${preload}`);
    assert.ok(existsSync(COMPILE_CACHE_PRELOAD), COMPILE_CACHE_PRELOAD);
  });

  it('keeps a file backend\'s engine home beside its state', () => {
    assert.equal(engineHome({ backendUrl: 'file:///var/lib/homeostat/state' }), '/var/lib/homeostat/pulumi-home');
    assert.equal(engineEnvVars({ backendUrl: 'file:///srv/h/state', passphrase: 'x', plugins: OFF }).PULUMI_HOME, '/srv/h/pulumi-home');
    assert.equal(engineHome({ backendUrl: 'file:///srv/h/state', pulumiHome: '/opt/ph' }), '/opt/ph');
  });

  describe('pulumi.plugins: one setting decides plugin acquisition and where plugins are found', () => {
    const base = { backendUrl: 'file:///srv/h/state', passphrase: 'x' };

    it('acquire: acquisition on, said explicitly, whatever the service inherited or the config adds', () => {
      const settings = { ...base, plugins: { mode: 'acquire' } as const, env: { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true' } };
      // A service started from a shell that sourced scripts/lib/env.sh has the variable set to true.
      const env = engineEnvironment({ ...settings, passEnv: ['PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION'] }, { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true' });
      assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'false');
      assert.equal(env.PULUMI_HOME, '/srv/h/pulumi-home', 'downloaded plugins go to the engine home beside the state');
    });

    it('preinstalled: acquisition off, and the engine home is the plugin folder\'s parent (the engine reads $PULUMI_HOME/plugins)', () => {
      const env = engineEnvVars({ ...base, pulumiHome: '/opt/ph', plugins: { mode: 'preinstalled', dir: '/opt/airgap/pulumi-home/plugins/' } });
      assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'true');
      assert.equal(env.PULUMI_HOME, '/opt/airgap/pulumi-home');
    });

    it('off: acquisition off, the engine home as without plugins', () => {
      const env = engineEnvVars({ ...base, plugins: OFF });
      assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'true');
      assert.equal(env.PULUMI_HOME, '/srv/h/pulumi-home');
    });
  });

  it('lets the config add variables but never override the backend settings', () => {
    const env = engineEnvVars({ backendUrl: 'file:///s/state', passphrase: 'x', plugins: OFF, env: { AWS_REGION: 'eu-west-1', PULUMI_BACKEND_URL: 'https://api.pulumi.com' } });
    assert.equal(env.AWS_REGION, 'eu-west-1');
    assert.equal(env.PULUMI_BACKEND_URL, 'file:///s/state');
  });

  describe('the allow-list: what an engine of the service gets, and nothing else', () => {
    const service = {
      PATH: '/usr/bin',
      HOME: '/home/hs',
      LANG: 'C.UTF-8',
      HOMEOSTAT_TOKEN: 'hs-secret',
      GITHUB_TOKEN: 'ghp_secret',
      INFRA_WEBHOOK_SECRET: 'hook-secret',
      REDIS_URL: 'redis://:pw@redis:6379',
      AWS_ACCESS_KEY_ID: 'AKIA…',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      BACKEND_KEY: 'backend-secret',
    };
    const settings = { backendUrl: 'file:///s/state', passphrase: 'p4ss', plugins: OFF, env: { PATH: '/opt/node/bin:/opt/pulumi/bin:/usr/bin', HOMEOSTAT_FLEET_URL: 'http://127.0.0.1:9' } };

    it('keeps the basics, the settings and the backend, and drops every other variable of the service', () => {
      const env = engineEnvironment(settings, service);
      assert.deepEqual(Object.keys(env).sort(), [
        'HOME', 'HOMEOSTAT_FLEET_URL', 'LANG', 'PATH', 'PULUMI_BACKEND_URL', 'PULUMI_CONFIG_PASSPHRASE',
        'PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION', 'PULUMI_HOME', 'PULUMI_SKIP_UPDATE_CHECK',
      ]);
      assert.equal(env.PATH, '/opt/node/bin:/opt/pulumi/bin:/usr/bin', 'the toolchain\'s PATH wins over the service\'s');
    });

    it('adds what the service passes to every engine and what the stack declares, when set', () => {
      const env = engineEnvironment({ ...settings, passEnv: ['BACKEND_KEY'] }, service, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
      assert.equal(env.BACKEND_KEY, 'backend-secret');
      assert.equal(env.AWS_SECRET_ACCESS_KEY, 'aws-secret');
      assert.equal('AWS_SESSION_TOKEN' in env, false, 'a declared variable that is not set stays unset');
      assert.equal(env.GITHUB_TOKEN, undefined);
    });

    it('lets no declared variable override the backend settings', () => {
      const env = engineEnvironment(settings, { PULUMI_BACKEND_URL: 'https://api.pulumi.com' }, ['PULUMI_BACKEND_URL']);
      assert.equal(env.PULUMI_BACKEND_URL, 'file:///s/state');
    });

    it('reads a repository\'s engineEnv as a list for every stack or lists by stack', () => {
      assert.deepEqual(declaredEngineEnv(undefined, 'web'), []);
      assert.deepEqual(declaredEngineEnv(['AWS_REGION'], 'web'), ['AWS_REGION']);
      assert.deepEqual(declaredEngineEnv({ web: ['AWS_PROFILE'] }, 'web'), ['AWS_PROFILE']);
      assert.deepEqual(declaredEngineEnv({ web: ['AWS_PROFILE'] }, 'app'), []);
    });

    it('hides every ambient variable a sealed command was not given', () => {
      const hidden = hideAmbient({ PATH: '/bin', A: '1' }, { PATH: '/usr/bin', SECRET: 's', A: '0' });
      assert.deepEqual(hidden, { SECRET: undefined, PATH: '/bin', A: '1' });
      assert.ok('SECRET' in hidden, 'hidden by an explicit undefined, which a merge cannot undo');
    });
  });
});
