import assert from 'node:assert/strict';
import { formatPluginsReport, pluginsReport, pluginStatuses } from '../../../orchestrator/plan/plugin-check.ts';

describe('plugins check: what each stack needs against what the engine finds', () => {
  const needed = [
    { name: 'nodejs', kind: 'language', version: '3.276.0' },
    { name: 'aws', kind: 'resource', version: '7.48.0' },
    { name: 'kubernetes', kind: 'resource', version: '4.34.2' },
  ];

  it('a plugin is present only at the version the program needs', () => {
    // As `pulumi plugin ls --project` answers: the bundled language host without a version.
    const found = [{ name: 'nodejs', kind: 'language' }, { name: 'aws', kind: 'resource', version: '7.47.0' }];
    assert.deepEqual(
      pluginStatuses(needed, found).map((p) => [p.name, p.present]),
      [['nodejs', true], ['aws', false], ['kubernetes', false]],
    );
  });

  it('lists each missing plugin once, and is ok only when nothing is missing or unknown', () => {
    const plugins = pluginStatuses(needed, [{ name: 'nodejs', kind: 'language' }]);
    const report = pluginsReport('preinstalled', '/srv/ph/plugins', [
      { stack: 'infra/./web', commit: 'c1', plugins },
      { stack: 'infra/./app', commit: 'c1', plugins },
    ]);
    assert.equal(report.ok, false);
    assert.deepEqual(report.missing, [{ name: 'aws', kind: 'resource', version: '7.48.0' }, { name: 'kubernetes', kind: 'resource', version: '4.34.2' }]);
    assert.equal(pluginsReport('off', undefined, [{ stack: 'infra/./web', commit: 'c1', plugins: pluginStatuses(needed.slice(0, 1), [{ name: 'nodejs', kind: 'language' }]) }]).ok, true);
    assert.equal(pluginsReport('off', undefined, [{ stack: 'infra/./web', commit: 'c1', plugins: [], error: 'pulumi about exited 1' }]).ok, false, 'unknown is not fine');
  });

  it('reads as a table with the missing plugins named at the end', () => {
    const text = formatPluginsReport(pluginsReport('preinstalled', '/srv/ph/plugins', [{ stack: 'infra/./web', commit: 'c1', plugins: pluginStatuses(needed.slice(0, 2), [{ name: 'nodejs', kind: 'language' }]) }]));
    assert.equal(
      text,
      [
        'plugins: preinstalled, folder /srv/ph/plugins',
        '',
        'STACK        KIND      NAME    VERSION  STATUS',
        'infra/./web  language  nodejs  3.276.0  present',
        'infra/./web  resource  aws     7.48.0   MISSING',
        '',
        'missing: resource aws 7.48.0',
      ].join('\n'),
    );
  });
});
