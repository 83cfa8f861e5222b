import assert from 'node:assert/strict';
import { receiveWebhook } from '../../../orchestrator/webhooks/index.ts';
import type { WebhookOutcome, WebhookRejectReason, WebhookRequest, WebhookSecrets } from '../../../orchestrator/webhooks/index.ts';
import {
  FORGES, PULL_REQUEST_EVENT_NAME, PUSH_EVENT_NAME, PUSH_PAYLOAD, SECRETS, SHA, SIGNATURE_HEADER,
  forgeRequest, giteaPullRequest, githubPullRequest, gitlabMergeRequest, hmacHex, withBody, withHeaders,
} from './fixtures.ts';
import type { Forge } from './fixtures.ts';

const MAIN = { ref: 'refs/heads/main', before: SHA.a, after: SHA.b };

function validPush(forge: Forge): WebhookRequest {
  return forgeRequest(forge, PUSH_EVENT_NAME[forge], PUSH_PAYLOAD[forge](MAIN));
}

function assertRejected(outcome: WebhookOutcome, reason: WebhookRejectReason, status: number, message?: RegExp): void {
  assert.equal(outcome.kind, 'rejected', `expected a rejection, got ${JSON.stringify(outcome)}`);
  if (outcome.kind !== 'rejected') return;
  assert.deepEqual({ reason: outcome.reason, status: outcome.status }, { reason, status });
  if (message) assert.match(outcome.message, message);
}

/** A body that is JSON-quoted `size` bytes long. */
function bodyOfSize(size: number): string {
  return JSON.stringify('x'.repeat(size - 2));
}

describe('webhooks: rejections, in the order they are checked', () => {
  describe('body size (413), before anything else', () => {
    it('rejects a body over the default limit of 1 MiB', () => {
      const req = forgeRequest('github', 'push', bodyOfSize(1024 * 1024 + 1));
      assertRejected(receiveWebhook(req, SECRETS), 'body-too-large', 413, /1048577 bytes; the limit is 1048576/);
    });

    it('lets a body of exactly 1 MiB through to the next checks', () => {
      const req = forgeRequest('github', 'push', bodyOfSize(1024 * 1024));
      assertRejected(receiveWebhook(req, SECRETS), 'invalid-payload', 422);
    });

    it('checks size before the signature: an oversized forged body is 413, not 401', () => {
      const req = withHeaders(forgeRequest('github', 'push', bodyOfSize(2048)), { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
      assertRejected(receiveWebhook(req, SECRETS, { maxBodyBytes: 1024 }), 'body-too-large', 413);
    });

    it('checks size before the forge: an oversized body without any forge header is 413', () => {
      const req: WebhookRequest = { headers: {}, rawBody: Buffer.alloc(2048), receivedAt: new Date() };
      assertRejected(receiveWebhook(req, {}, { maxBodyBytes: 1024 }), 'body-too-large', 413);
    });

    it('refuses a limit that is not a positive integer (a caller mistake)', () => {
      assert.throws(() => receiveWebhook(validPush('github'), SECRETS, { maxBodyBytes: 0 }), RangeError);
      assert.throws(() => receiveWebhook(validPush('github'), SECRETS, { maxBodyBytes: Number.NaN }), RangeError);
    });
  });

  describe('unknown forge (400)', () => {
    it('rejects a request without any forge event header', () => {
      const req: WebhookRequest = { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from('{}'), receivedAt: new Date() };
      assertRejected(receiveWebhook(req, SECRETS), 'unknown-forge', 400, /X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event/);
    });

    it('rejects a GitHub event without a delivery id', () => {
      const req = withHeaders(validPush('github'), { 'x-github-delivery': undefined });
      assertRejected(receiveWebhook(req, SECRETS), 'unknown-forge', 400, /X-GitHub-Delivery/);
    });

    it('rejects a Gitea event without a delivery id', () => {
      const req = withHeaders(validPush('gitea'), { 'x-gitea-delivery': undefined });
      assertRejected(receiveWebhook(req, SECRETS), 'unknown-forge', 400, /X-Gitea-Delivery/);
    });

    it('rejects a request that claims to be both GitHub and GitLab', () => {
      const req = withHeaders(validPush('github'), { 'x-gitlab-event': 'Push Hook' });
      assertRejected(receiveWebhook(req, SECRETS), 'unknown-forge', 400, /both/);
    });

    it('rejects an event header repeated with different values as ambiguous', () => {
      const req = withHeaders(validPush('github'), { 'x-github-event': ['push', 'ping'] });
      assertRejected(receiveWebhook(req, SECRETS), 'unknown-forge', 400);
    });
  });

  describe('forge not configured (403)', () => {
    for (const forge of FORGES) {
      it(`rejects ${forge} when no ${forge} secret is configured, even if correctly signed`, () => {
        const others: WebhookSecrets = { ...SECRETS, [forge]: undefined };
        assertRejected(receiveWebhook(validPush(forge), others), 'forge-not-configured', 403);
      });
    }

    it('treats an empty secret as not configured: an empty HMAC key proves nothing', () => {
      const req = forgeRequest('github', 'push', PUSH_PAYLOAD.github(MAIN), { secret: '' });
      assertRejected(receiveWebhook(req, { ...SECRETS, github: '' }), 'forge-not-configured', 403);
    });

    it('recognises Gitea by X-Gitea-Event although it also sends the GitHub headers', () => {
      assertRejected(receiveWebhook(validPush('gitea'), { github: SECRETS.github }), 'forge-not-configured', 403, /Gitea/);
      assert.equal(receiveWebhook(validPush('gitea'), { gitea: SECRETS.gitea }).kind, 'event');
    });
  });

  describe('signatures (401), checked on the raw body before parsing', () => {
    for (const forge of FORGES) {
      const header = SIGNATURE_HEADER[forge];

      it(`${forge}: rejects a delivery without ${header}`, () => {
        assertRejected(receiveWebhook(withHeaders(validPush(forge), { [header]: undefined }), SECRETS), 'missing-signature', 401);
      });

      it(`${forge}: rejects a delivery signed with another secret`, () => {
        const req = forgeRequest(forge, PUSH_EVENT_NAME[forge], PUSH_PAYLOAD[forge](MAIN), { secret: 'an-old-rotated-secret' });
        assertRejected(receiveWebhook(req, SECRETS), 'bad-signature', 401);
      });

      it(`${forge}: rejects a body changed after signing`, () => {
        const tampered = JSON.stringify(PUSH_PAYLOAD[forge]({ ...MAIN, after: SHA.d }));
        const outcome = receiveWebhook(withBody(validPush(forge), tampered), SECRETS);
        // GitLab's token does not cover the body: only HMAC forges can notice.
        if (forge === 'gitlab') assert.equal(outcome.kind, 'event');
        else assertRejected(outcome, 'bad-signature', 401);
      });

      it(`${forge}: does not let an unsigned ping or unsupported event through as "ignored"`, () => {
        const req = withHeaders(forgeRequest(forge, forge === 'github' ? 'ping' : 'issues', '{}'), { [header]: undefined });
        assertRejected(receiveWebhook(req, SECRETS), 'missing-signature', 401);
      });
    }

    const forged: [title: string, forge: Forge, value: string][] = [
      ['GitHub: random hex', 'github', `sha256=${'ab'.repeat(32)}`],
      ['GitHub: the right digest without the sha256= prefix', 'github', hmacHex(SECRETS.github, JSON.stringify(PUSH_PAYLOAD.github(MAIN)))],
      ['GitHub: a truncated digest', 'github', `sha256=${hmacHex(SECRETS.github, JSON.stringify(PUSH_PAYLOAD.github(MAIN))).slice(0, 62)}`],
      ['GitHub: not hex at all', 'github', 'sha256=zz'],
      ['GitHub: the SHA-1 signature in the SHA-256 header', 'github', 'sha1=0123456789abcdef0123456789abcdef01234567'],
      ['Gitea: random hex', 'gitea', 'cd'.repeat(32)],
      ['Gitea: a digest with GitHub\'s prefix', 'gitea', `sha256=${hmacHex(SECRETS.gitea, JSON.stringify(PUSH_PAYLOAD.gitea(MAIN)))}`],
      ['GitLab: a wrong token', 'gitlab', 'guess'],
      ['GitLab: the secret with something appended', 'gitlab', `${SECRETS.gitlab}x`],
      ['GitLab: a prefix of the secret', 'gitlab', SECRETS.gitlab.slice(0, 8)],
    ];
    for (const [title, forge, value] of forged) {
      it(`rejects a forged signature: ${title}`, () => {
        assertRejected(receiveWebhook(withHeaders(validPush(forge), { [SIGNATURE_HEADER[forge]]: value }), SECRETS), 'bad-signature', 401);
      });
    }

    it('accepts an upper-case hex digest (it is the same bytes)', () => {
      const req = validPush('gitea');
      const upper = withHeaders(req, { 'x-gitea-signature': String(req.headers['x-gitea-signature']).toUpperCase() });
      assert.equal(receiveWebhook(upper, SECRETS).kind, 'event');
    });

    it('says so when GitHub sent only the SHA-1 signature', () => {
      const req = withHeaders(validPush('github'), { 'x-hub-signature-256': undefined });
      assertRejected(receiveWebhook(req, SECRETS), 'missing-signature', 401, /SHA-1/);
    });

    it('does not fall back to the GitHub-compatible signature header for Gitea', () => {
      const req = withHeaders(validPush('gitea'), { 'x-gitea-signature': undefined });
      assert.ok(req.headers['x-hub-signature-256']);
      assertRejected(receiveWebhook(req, SECRETS), 'missing-signature', 401, /X-Gitea-Signature/);
    });
  });

  describe('content type (415)', () => {
    it('rejects a body that is not JSON by its content type', () => {
      const req = forgeRequest('github', 'push', PUSH_PAYLOAD.github(MAIN), { contentType: 'text/plain' });
      assertRejected(receiveWebhook(req, SECRETS), 'unsupported-content-type', 415, /"text\/plain"/);
    });

    it('rejects a body without a content type', () => {
      const req = withHeaders(validPush('gitlab'), { 'content-type': undefined });
      assertRejected(receiveWebhook(req, SECRETS), 'unsupported-content-type', 415, /no Content-Type/);
    });

    it('accepts application/json with a charset', () => {
      const req = forgeRequest('gitea', 'push', PUSH_PAYLOAD.gitea(MAIN), { contentType: 'application/json; charset=utf-8' });
      assert.equal(receiveWebhook(req, SECRETS).kind, 'event');
    });

    it('accepts GitHub\'s form encoding, whose signature covers the form body', () => {
      const form = new URLSearchParams({ payload: JSON.stringify(PUSH_PAYLOAD.github(MAIN)) }).toString();
      const req = forgeRequest('github', 'push', form, { contentType: 'application/x-www-form-urlencoded' });
      const outcome = receiveWebhook(req, SECRETS);
      assert.equal(outcome.kind === 'event' && outcome.event.kind === 'push' && outcome.event.after, SHA.b);
    });

    it('rejects Gitea\'s form encoding (it signs the JSON inside, not the body) and says what to change', () => {
      const form = new URLSearchParams({ payload: JSON.stringify(PUSH_PAYLOAD.gitea(MAIN)) }).toString();
      const req = forgeRequest('gitea', 'push', form, { contentType: 'application/x-www-form-urlencoded' });
      assertRejected(receiveWebhook(req, SECRETS), 'unsupported-content-type', 415, /set the Gitea webhook's content type to application\/json/);
    });
  });

  describe('malformed JSON (400), correctly signed', () => {
    for (const forge of FORGES) {
      it(`${forge}: rejects a body that is not JSON`, () => {
        const req = forgeRequest(forge, PUSH_EVENT_NAME[forge], '{"ref": "refs/heads/main",');
        assertRejected(receiveWebhook(req, SECRETS), 'malformed-json', 400, /not valid JSON/);
      });
    }

    it('rejects a body that is not UTF-8', () => {
      const req = forgeRequest('github', 'push', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
      assertRejected(receiveWebhook(req, SECRETS), 'malformed-json', 400, /UTF-8/);
    });

    it('rejects a GitHub form body without a payload field', () => {
      const req = forgeRequest('github', 'push', 'data=%7B%7D', { contentType: 'application/x-www-form-urlencoded' });
      assertRejected(receiveWebhook(req, SECRETS), 'malformed-json', 400, /payload/);
    });
  });

  describe('invalid payload (422), correctly signed: the message names each field', () => {
    const githubPushWithout = (...fields: string[]) => {
      const payload = PUSH_PAYLOAD.github(MAIN) as { repository: Record<string, unknown> } & Record<string, unknown>;
      const repository = { ...payload.repository };
      const top: Record<string, unknown> = { ...payload, repository };
      for (const f of fields) {
        if (f.startsWith('repository.')) delete repository[f.slice('repository.'.length)];
        else delete top[f];
      }
      return top;
    };

    const table: [title: string, forge: Forge, eventName: string, payload: unknown, message: RegExp][] = [
      ['GitHub push without repository.clone_url', 'github', 'push', githubPushWithout('repository.clone_url'), /repository\.clone_url: expected string \(missing\)/],
      ['GitHub push without ref and repository.full_name, both named', 'github', 'push', githubPushWithout('ref', 'repository.full_name'), /ref: expected string \(missing\).*repository\.full_name: expected string \(missing\)/],
      ['GitHub push whose after is an abbreviated commit', 'github', 'push', { ...PUSH_PAYLOAD.github(MAIN), after: SHA.b.slice(0, 7) }, /after: expected a full 40-character commit id/],
      ['GitHub pull request whose number is a string', 'github', 'pull_request', { ...githubPullRequest({ action: 'opened' }), number: '42' }, /number: expected number \(got string\)/],
      ['GitHub pull request without any number', 'github', 'pull_request', (() => {
        const p = githubPullRequest({ action: 'opened' }) as Record<string, unknown> & { pull_request: Record<string, unknown> };
        delete p.number;
        p.pull_request = { ...p.pull_request, number: undefined };
        return p;
      })(), /number: expected number/],
      ['GitLab merge request without object_attributes.last_commit', 'gitlab', 'Merge Request Hook', (() => {
        const p = gitlabMergeRequest({ action: 'open' });
        const { last_commit: _lastCommit, ...attributes } = p.object_attributes;
        return { ...p, object_attributes: attributes };
      })(), /object_attributes\.last_commit: expected object \(missing\)/],
      ['GitLab push without project', 'gitlab', 'Push Hook', (() => {
        const { project: _project, ...rest } = PUSH_PAYLOAD.gitlab(MAIN) as Record<string, unknown>;
        return rest;
      })(), /project: expected object \(missing\)/],
      ['Gitea pull request whose head sha is null', 'gitea', 'pull_request', (() => {
        const p = giteaPullRequest({ action: 'opened' });
        return { ...p, pull_request: { ...p.pull_request, head: { ...p.pull_request.head, sha: null } } };
      })(), /pull_request\.head\.sha: expected string \(got null\)/],
      ['a JSON array instead of an object', 'github', 'push', [], /\(body\): expected object \(got array\)/],
    ];
    for (const [title, forge, eventName, payload, message] of table) {
      it(title, () => {
        assertRejected(receiveWebhook(forgeRequest(forge, eventName, JSON.stringify(payload)), SECRETS), 'invalid-payload', 422, message);
      });
    }

    it('checks the event against the GitEvent schema too: a delivery id over 200 characters', () => {
      const req = withHeaders(validPush('github'), { 'x-github-delivery': 'd'.repeat(201) });
      assertRejected(receiveWebhook(req, SECRETS), 'invalid-payload', 422, /deliveryId/);
    });
  });

  describe('headers in any case', () => {
    const spellings: [title: string, rename: (name: string) => string][] = [
      ['Canonical-Case', (n) => n.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-').replace('Github', 'GitHub')],
      ['UPPER-CASE', (n) => n.toUpperCase()],
    ];
    for (const forge of FORGES) {
      for (const [title, rename] of spellings) {
        it(`${forge}: reads ${title} header names`, () => {
          const req = validPush(forge);
          const headers = Object.fromEntries(Object.entries(req.headers).map(([n, v]) => [rename(n), v]));
          assert.ok(!('content-type' in headers), 'the header names were renamed');
          const outcome = receiveWebhook({ ...req, headers }, SECRETS);
          assert.equal(outcome.kind === 'event' && outcome.event.forge, forge, JSON.stringify(outcome));
        });
      }
    }

    it('reads the same header sent under two spellings with one value', () => {
      const req = withHeaders(validPush('github'), { 'X-GitHub-Event': 'push' });
      assert.equal(receiveWebhook(req, SECRETS).kind, 'event');
    });
  });

  describe('secrets never appear in what is returned', () => {
    const requests: [title: string, req: WebhookRequest, secrets?: WebhookSecrets][] = [
      ...FORGES.flatMap((forge): [string, WebhookRequest][] => [
        [`${forge}: missing signature`, withHeaders(validPush(forge), { [SIGNATURE_HEADER[forge]]: undefined })],
        [`${forge}: wrong secret`, forgeRequest(forge, PUSH_EVENT_NAME[forge], PUSH_PAYLOAD[forge](MAIN), { secret: 'wrong' })],
        [`${forge}: malformed JSON that holds the secret`, forgeRequest(forge, PUSH_EVENT_NAME[forge], `{"secret": "${SECRETS[forge]}", `)],
        [`${forge}: invalid payload that holds the secret`, forgeRequest(forge, PUSH_EVENT_NAME[forge], { secret: SECRETS[forge], ref: SECRETS[forge] })],
        [`${forge}: a content type named like the secret`, forgeRequest(forge, PUSH_EVENT_NAME[forge], '{}', { contentType: `text/${SECRETS[forge]}` })],
        [`${forge}: a tag named like the secret`, forgeRequest(forge, PUSH_EVENT_NAME[forge], PUSH_PAYLOAD[forge]({ ...MAIN, ref: `refs/tags/${SECRETS[forge]}` }))],
        [`${forge}: an event named like the secret`, forgeRequest(forge, SECRETS[forge], '{}')],
      ]),
      ['GitLab: a token that contains the secret', withHeaders(validPush('gitlab'), { 'x-gitlab-token': `${SECRETS.gitlab}-and-more` })],
      ['GitLab: a merge request action named like the secret', forgeRequest('gitlab', PULL_REQUEST_EVENT_NAME.gitlab, gitlabMergeRequest({ action: SECRETS.gitlab }))],
      ['GitHub: not configured', validPush('github'), { gitlab: SECRETS.gitlab, gitea: SECRETS.gitea }],
      ['oversized', forgeRequest('github', 'push', bodyOfSize(2 * 1024 * 1024))],
    ];
    for (const [title, req, secrets = SECRETS] of requests) {
      it(title, () => {
        const outcome = receiveWebhook(req, secrets);
        assert.notEqual(outcome.kind, 'event');
        const text = outcome.kind === 'rejected' ? outcome.message : outcome.kind === 'ignored' ? outcome.reason : '';
        assert.ok(text.length > 0);
        for (const secret of Object.values(SECRETS)) assert.ok(!text.includes(secret), `${JSON.stringify(text)} contains a secret`);
      });
    }
  });
});
