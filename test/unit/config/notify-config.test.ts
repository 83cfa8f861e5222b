import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { configSecrets } from '../../../orchestrator/config/config-secrets.ts';
import { ConfigError, loadServiceConfig } from '../../../orchestrator/config/service-config.ts';

const BASE = {
  pulumi: { backendUrl: 'file:///var/lib/homeostat/state', passphrase: { env: 'PASS' } },
  repositories: [{ id: 'infra', url: 'https://github.com/acme/infra.git' }],
};
const SLACK_URL = 'https://hooks.slack.example/services/T000/B000/s3cr3t-slack-token';
const ENV = { PASS: 'very-secret-passphrase', SLACK: SLACK_URL, HOOK_URL: 'https://receiver.example/homeostat', HOOK_KEY: 'hmac-key-0123456789' };

function load(notifications: unknown, env: Record<string, string> = ENV) {
  return loadServiceConfig({ ...BASE, notifications }, env, '/etc/homeostat');
}

function problems(notifications: unknown, env: Record<string, string> = ENV): string[] {
  try {
    load(notifications, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe('service config: notifications', () => {
  it('none by default, with the retry defaults', () => {
    const cfg = loadServiceConfig(BASE, ENV, '/etc/homeostat');
    assert.deepEqual(cfg.notifications, { targets: [], attempts: 6, backoffSeconds: 2, timeoutSeconds: 10 });
  });

  it('reads each target\'s address and key as secrets, and keeps them out of print and of the engine', () => {
    const cfg = load({
      dashboardUrl: 'https://homeostat.example/dashboard',
      targets: [
        { id: 'ops-slack', kind: 'slack', url: { env: 'SLACK' }, events: ['incident.opened', 'review.waiting'], stacks: ['prod-*'] },
        { id: 'pager', kind: 'webhook', url: { env: 'HOOK_URL' }, secret: { env: 'HOOK_KEY' } },
      ],
    });
    const [slack, hook] = cfg.notifications.targets;
    assert.equal(slack?.url.reveal(), SLACK_URL);
    assert.deepEqual(slack?.events, ['incident.opened', 'review.waiting']);
    assert.equal(hook?.secret?.reveal(), 'hmac-key-0123456789');
    assert.ok(!inspect(cfg, { depth: 10 }).includes('s3cr3t-slack-token') && !JSON.stringify(cfg).includes('hmac-key'), 'printed as [secret]');
    assert.ok(configSecrets(cfg).includes(SLACK_URL) && configSecrets(cfg).includes('hmac-key-0123456789'), 'redacted from the logs and the audit log');
    const engineGetsKey = { ...BASE, pulumi: { ...BASE.pulumi, engineEnv: ['HOOK_KEY'] }, notifications: { targets: [{ id: 'pager', kind: 'webhook', url: { env: 'HOOK_URL' }, secret: { env: 'HOOK_KEY' } }] } };
    assert.throws(() => loadServiceConfig(engineGetsKey, ENV, '/etc/homeostat'), (err: ConfigError) => {
      assert.deepEqual(err.problems, ['pulumi.engineEnv.0: HOOK_KEY holds notifications.targets.0.secret: it must not reach the engine and the programs']);
      return true;
    });
  });

  it('names what is wrong with a target, never the value of a secret', () => {
    const found = problems(
      {
        targets: [
          { id: 'pager', kind: 'webhook', url: { env: 'HOOK_URL' } },
          { id: 'Bad Id', kind: 'slack', url: { env: 'SLACK' } },
          { id: 'ops', kind: 'email', url: { env: 'SLACK' } },
          { id: 'x', kind: 'slack', url: { env: 'SLACK' }, events: ['incident.exploded'] },
        ],
      },
      { ...ENV },
    );
    assert.deepEqual(found, [
      'notifications.targets.0.secret: a webhook target needs a signing secret, so that its receiver can tell our messages from forged ones',
      'notifications.targets.1.id: lower-case letters, digits and dashes, a letter or digit first',
      "notifications.targets.2.kind: Invalid option: expected one of \"slack\"|\"webhook\"",
      'notifications.targets.3.events.0: Invalid option: expected one of "incident.opened"|"incident.resolved"|"review.waiting"|"remediation.applied"|"remediation.verified"|"remediation.reverted"|"remediation.escalated"|"drift.found"|"run.failed"|"stack.blocked"',
    ]);
    assert.deepEqual(problems({ targets: [{ id: 'ops', kind: 'slack', url: { env: 'SLACK' } }, { id: 'ops', kind: 'slack', url: { env: 'SLACK' } }] }), ['notifications.targets.1.id: duplicate target id ops']);
    assert.deepEqual(problems({ targets: [{ id: 'ops', kind: 'slack', url: { env: 'NOT_SET' } }] }), ['notifications.targets.0.url: environment variable NOT_SET is not set']);
    const notHttp = problems({ targets: [{ id: 'ops', kind: 'slack', url: { env: 'SLACK' } }] }, { ...ENV, SLACK: 'ftp://files.example/secret-path-xyz' });
    assert.deepEqual(notHttp, ['notifications.targets.0.url: the value of SLACK is not an http(s) address']);
  });
});
