import assert from 'node:assert/strict';
import { receiveWebhook } from '../../../orchestrator/webhooks/index.ts';
import type { WebhookOutcome } from '../../../orchestrator/webhooks/index.ts';
import { CLONE_URLS, DELIVERY, FORGES, PUSH_EVENT_NAME, PUSH_PAYLOAD, RECEIVED_AT, SECRETS, SHA, forgeRequest, withHeaders } from './fixtures.ts';
import type { Forge, PushShape } from './fixtures.ts';

function push(forge: Forge, shape: PushShape): WebhookOutcome {
  return receiveWebhook(forgeRequest(forge, PUSH_EVENT_NAME[forge], PUSH_PAYLOAD[forge](shape)), SECRETS);
}

describe('webhooks: pushes', () => {
  for (const forge of FORGES) {
    describe(`from ${forge}`, () => {
      const common = {
        kind: 'push',
        forge,
        deliveryId: DELIVERY[forge],
        repoName: 'acme/infra',
        cloneUrls: CLONE_URLS[forge],
        receivedAt: RECEIVED_AT.toISOString(),
      };

      it('a push to a branch becomes a push event with the ref, both commits, the repository and the delivery', () => {
        assert.deepEqual(push(forge, { ref: 'refs/heads/main', before: SHA.a, after: SHA.b }), {
          kind: 'event',
          event: { ...common, ref: 'refs/heads/main', before: SHA.a, after: SHA.b },
        });
      });

      it('a new branch (all-zero before) has no `before`', () => {
        const outcome = push(forge, { ref: 'refs/heads/feature/scale', before: SHA.zero, after: SHA.b });
        assert.deepEqual(outcome, { kind: 'event', event: { ...common, ref: 'refs/heads/feature/scale', after: SHA.b } });
        assert.equal(outcome.kind === 'event' && 'before' in outcome.event, false);
      });

      it('a deleted branch (all-zero after) has no `after`', () => {
        const outcome = push(forge, { ref: 'refs/heads/feature/scale', before: SHA.a, after: SHA.zero });
        assert.deepEqual(outcome, { kind: 'event', event: { ...common, ref: 'refs/heads/feature/scale', before: SHA.a } });
        assert.equal(outcome.kind === 'event' && 'after' in outcome.event, false);
      });

      it('a tag push sent as a push is ignored', () => {
        const outcome = push(forge, { ref: 'refs/tags/v1.4.0', before: SHA.zero, after: SHA.b });
        assert.equal(outcome.kind, 'ignored');
        assert.equal(outcome.kind === 'ignored' && outcome.status, 202);
        assert.match(outcome.kind === 'ignored' ? outcome.reason : '', /tag push .*refs\/tags\/v1\.4\.0/);
      });
    });
  }

  it('a GitLab Tag Push Hook is ignored without reading its body', () => {
    const req = forgeRequest('gitlab', 'Tag Push Hook', 'not even JSON');
    assert.deepEqual(receiveWebhook(req, SECRETS), { kind: 'ignored', status: 202, reason: 'GitLab tag push: only branch pushes are acted on' });
  });

  it('a push to a ref that is not a branch (refs/notes) is ignored', () => {
    const outcome = push('github', { ref: 'refs/notes/commits', before: SHA.a, after: SHA.b });
    assert.equal(outcome.kind, 'ignored');
  });

  it('an SSH URL Gitea leaves empty (SSH disabled) is left out of the clone URLs', () => {
    const payload = { ...PUSH_PAYLOAD.gitea({ ref: 'refs/heads/main', before: SHA.a, after: SHA.b }) } as Record<string, unknown>;
    payload.repository = { ...(payload.repository as object), ssh_url: '' };
    const outcome = receiveWebhook(forgeRequest('gitea', 'push', payload), SECRETS);
    assert.deepEqual(outcome.kind === 'event' && outcome.event.cloneUrls, [CLONE_URLS.gitea[0], CLONE_URLS.gitea[2]]);
  });

  describe('GitLab delivery ids', () => {
    const idOf = (after: string, headers: Record<string, string | undefined>) => {
      const req = withHeaders(forgeRequest('gitlab', 'Push Hook', gitlabPushTo(after)), headers);
      const outcome = receiveWebhook(req, SECRETS);
      assert.equal(outcome.kind, 'event');
      return outcome.kind === 'event' ? outcome.event.deliveryId : '';
    };
    const WEBHOOK_UUID = 'b6f1c2d3-0000-4000-8000-000000000001';

    it('comes from X-Gitlab-Event-UUID', () => {
      assert.equal(idOf(SHA.b, { 'x-gitlab-webhook-uuid': WEBHOOK_UUID }), DELIVERY.gitlab);
    });

    it('falls back to X-Gitlab-Webhook-UUID', () => {
      assert.equal(idOf(SHA.b, { 'x-gitlab-event-uuid': undefined, 'x-gitlab-webhook-uuid': WEBHOOK_UUID }), WEBHOOK_UUID);
    });

    it('is derived from the body when GitLab sent neither: a resent body gets the same id, another body another', () => {
      const noIds = { 'x-gitlab-event-uuid': undefined };
      const id = idOf(SHA.b, noIds);
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      assert.equal(idOf(SHA.b, noIds), id);
      assert.notEqual(idOf(SHA.c, noIds), id);
    });
  });
});

function gitlabPushTo(after: string) {
  return PUSH_PAYLOAD.gitlab({ ref: 'refs/heads/main', before: SHA.a, after });
}
