import assert from 'node:assert/strict';
import { ConfigError, loadServiceConfig } from '../../../orchestrator/config/service-config.ts';

const BASE = {
  pulumi: { backendUrl: 'file:///var/lib/homeostat/state', passphrase: { env: 'PASS' } },
  repositories: [{ id: 'infra', url: 'https://github.com/acme/infra.git' }],
};
const ENV = { PASS: 'very-secret-passphrase' };
const withPlugins = (plugins: unknown) => ({ ...BASE, pulumi: { ...BASE.pulumi, plugins } });

function problems(doc: unknown): string[] {
  try {
    loadServiceConfig(doc, ENV, '/etc/homeostat');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe('config: pulumi.plugins, where the engine\'s provider plugins come from', () => {
  it('acquires plugins by default, as a real deployment wants', () => {
    assert.deepEqual(loadServiceConfig(BASE, ENV, '/etc/homeostat').pulumi.plugins, { mode: 'acquire' });
  });

  it('takes the mode alone or as a mapping', () => {
    assert.deepEqual(loadServiceConfig(withPlugins('off'), ENV).pulumi.plugins, { mode: 'off' });
    assert.deepEqual(loadServiceConfig(withPlugins({ mode: 'acquire' }), ENV).pulumi.plugins, { mode: 'acquire' });
  });

  it('reads a preinstalled folder relative to the config file', () => {
    const cfg = loadServiceConfig(withPlugins({ mode: 'preinstalled', dir: 'pulumi-home/plugins' }), ENV, '/etc/homeostat');
    assert.deepEqual(cfg.pulumi.plugins, { mode: 'preinstalled', dir: '/etc/homeostat/pulumi-home/plugins' });
  });

  const bad: [string, unknown, string][] = [
    ['an unknown mode', 'download', 'pulumi.plugins.mode: one of acquire, preinstalled, off'],
    ['preinstalled without its folder', { mode: 'preinstalled' }, 'pulumi.plugins.dir: preinstalled needs the plugin folder (dir), for example /var/lib/homeostat/pulumi-home/plugins'],
    [
      'a folder the engine cannot be pointed at',
      { mode: 'preinstalled', dir: '/opt/provider-binaries' },
      "pulumi.plugins.dir: the engine reads plugins from $PULUMI_HOME/plugins, so the folder must be named plugins (its parent becomes the engine's home); got /opt/provider-binaries",
    ],
    ['a folder for a mode that has none', { mode: 'off', dir: '/opt/pulumi-home/plugins' }, 'pulumi.plugins.dir: only preinstalled has a plugin folder; off has none'],
    ['an unknown field', { mode: 'acquire', mirror: 'https://example.com' }, 'pulumi.plugins: Unrecognized key: "mirror"'],
  ];
  for (const [what, plugins, expected] of bad) {
    it(`refuses ${what}, naming the field`, () => assert.deepEqual(problems(withPlugins(plugins)), [expected]));
  }
});
