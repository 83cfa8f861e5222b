import assert from 'node:assert/strict';
import { receiveWebhook } from '../../../orchestrator/webhooks/index.ts';
import { SECRETS, forgeRequest } from './fixtures.ts';
import type { Forge } from './fixtures.ts';

/** What GitHub sends when a webhook is created. */
const githubPing = {
  zen: 'Design for failure.',
  hook_id: 292430182,
  hook: { type: 'Repository', id: 292430182, active: true, events: ['push', 'pull_request'], config: { content_type: 'json', insecure_ssl: '0', url: 'https://homeostat.example.com/webhooks' } },
  repository: { id: 1296269, full_name: 'acme/infra' },
  sender: { login: 'octocat', id: 583231 },
};

describe('webhooks: events with nothing to do (202)', () => {
  it('a GitHub ping is ignored', () => {
    assert.deepEqual(receiveWebhook(forgeRequest('github', 'ping', githubPing), SECRETS), {
      kind: 'ignored',
      status: 202,
      reason: 'GitHub ping: the webhook is set up; nothing to do',
    });
  });

  const unsupported: [forge: Forge, eventName: string][] = [
    ['github', 'issues'],
    ['github', 'workflow_run'],
    ['gitlab', 'Note Hook'],
    ['gitlab', 'System Hook'],
    ['gitlab', 'Pipeline Hook'],
    ['gitea', 'issues'],
    ['gitea', 'create'],
    ['gitea', 'pull_request_approved'],
  ];
  for (const [forge, eventName] of unsupported) {
    it(`${forge} "${eventName}" is ignored, naming the event, without reading the body`, () => {
      const outcome = receiveWebhook(forgeRequest(forge, eventName, 'the body of an event we do not read'), SECRETS);
      assert.equal(outcome.kind, 'ignored');
      assert.match(outcome.kind === 'ignored' ? outcome.reason : '', new RegExp(`"${eventName}" is not acted on`));
    });
  }
});
