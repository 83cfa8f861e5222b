import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { testServices } from '../support/services.ts';
import { startSecuredApi, WEBHOOK_SECRETS, type SecuredApi } from './secured-api.ts';

/**
 * Webhooks are open routes (their HMAC is the check), so their envelope is
 * what an anonymous caller controls. Found by bench:security's fuzz: a blank
 * Content-Type reached Fastify's parser and came back as a 500.
 */
describe('security: a webhook’s envelope, from anyone', function () {
  let api: SecuredApi;
  beforeEach(async () => {
    api = await startSecuredApi(testServices().redisUrl);
  });
  afterEach(async () => {
    await api?.close();
  });

  const post = (headers: Record<string, string>, body: Uint8Array) => fetch(`${api.url}/webhooks/infra`, { method: 'POST', headers, body: new Uint8Array(body) });
  const github = (body: Uint8Array, secret: string) => ({ 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` });

  it('answers a blank, absent or form Content-Type with a 4xx from the receiver, never a 5xx, and enqueues nothing', async () => {
    const body = new TextEncoder().encode('{"ref":"refs/heads/main"}');
    for (const contentType of ['', undefined, 'application/x-www-form-urlencoded', 'text/plain']) {
      const res = await post({ ...github(body, 'not-the-secret'), ...(contentType === undefined ? {} : { 'content-type': contentType }) }, body);
      assert.ok(res.status >= 400 && res.status < 500, `content type ${JSON.stringify(contentType)}: ${res.status} ${await res.text()}`);
    }
    assert.equal(api.enqueued.length, 0);
  });

  it('checks the HMAC on the raw bytes: the signature of other bytes with the same JSON meaning is refused', async () => {
    const signed = new TextEncoder().encode('{"ref": "refs/heads/main"}');
    const sent = new TextEncoder().encode('{"ref":"refs/heads/main"}');
    const res = await post({ ...github(signed, WEBHOOK_SECRETS.infra), 'content-type': 'application/json' }, sent);
    assert.equal(res.status, 401, await res.text());
    assert.equal(api.enqueued.length, 0);
  });

  it('answers a body past the limit with 413 and closes the connection', async () => {
    const big = new Uint8Array(64 * 1024 + 10).fill(0x20);
    const res = await post({ ...github(big, WEBHOOK_SECRETS.infra), 'content-type': 'application/json' }, big);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: string }).error, 'body-too-large');
  });
});
