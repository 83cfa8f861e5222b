import assert from 'node:assert/strict';
import { loadServiceConfig, ConfigError } from '../../orchestrator/config/service-config.ts';
import { startService } from '../../orchestrator/service/service.ts';
import { createHttpServer } from '../../orchestrator/http/http-server.ts';
import { testServices } from '../support/services.ts';
import { as, TEST_TOKENS } from '../support/test-tokens.ts';
import { concreteUrl, isMutating, startSecuredApi, STACK, type SecuredApi } from './secured-api.ts';

/** Every token value the tests know: none may appear in an answer. */
const ALL_TOKENS = Object.values(TEST_TOKENS);

async function call(api: SecuredApi, method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${api.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  for (const t of ALL_TOKENS) assert.ok(!text.includes(t), `${method} ${path}: the answer holds a token`);
  return { status: res.status, text, json: () => JSON.parse(text) as { error?: string } };
}

describe('security: every route passes the auth hook', function () {
  let api: SecuredApi;
  beforeEach(async () => {
    api = await startSecuredApi(testServices().redisUrl);
  });
  afterEach(async () => {
    await api?.close();
  });

  it('knows its routes from Fastify itself, and every mutating one but the webhooks and the trace receiver (each checks its own secret) needs a role', () => {
    const mutating = api.routes.filter(isMutating);
    assert.ok(api.routes.length >= 25, `${api.routes.length} routes registered`);
    assert.ok(mutating.length >= 9, `${mutating.length} mutating routes`);
    const open = api.routes.filter((r) => r.access === 'open').map((r) => `${r.method} ${r.url}`);
    for (const r of open) assert.match(r, /^(GET|HEAD) \/(healthz|readyz|metrics|dashboard.*)?$|^POST \/webhooks\/:repoId$|^POST \/v1\/traces$/, `${r} is open`);
  });

  it('refuses every mutating route without a token, with a wrong one and with a viewer’s, and nothing changes', async () => {
    const before = await api.state();
    const mutating = api.routes.filter((r) => isMutating(r) && r.access !== 'open');
    for (const route of mutating) {
      const path = concreteUrl(route, api);
      const body = JSON.stringify(path.endsWith('/unlock') ? { force: true } : path.includes('controls') ? { killSwitch: true } : {});
      const json = { 'content-type': 'application/json' };
      const none = await call(api, route.method, path, json, body);
      assert.equal(none.status, 401, `${route.method} ${path} without a token: ${none.text}`);
      const wrong = await call(api, route.method, path, { ...json, authorization: `Bearer ${TEST_TOKENS.admin}x` }, body);
      assert.equal(wrong.status, 401, `${route.method} ${path} with a wrong token: ${wrong.text}`);
      const basic = await call(api, route.method, path, { ...json, authorization: `Basic ${Buffer.from(`admin:${TEST_TOKENS.admin}`).toString('base64')}` }, body);
      assert.equal(basic.status, 401, `${route.method} ${path} with another scheme`);
      const viewer = await call(api, route.method, path, as('viewer'), body);
      assert.equal(viewer.status, 403, `${route.method} ${path} as a viewer: ${viewer.text}`);
      assert.match(viewer.json().error ?? '', new RegExp(`needs ${route.access}`));
    }
    assert.deepEqual(await api.state(), before, 'runs, controls, reviews, unlocks and the audit log are as they were');
  });

  it('refuses an operator on the review decisions and an approver on runs and controls (403, naming the role)', async () => {
    const before = await api.state();
    const approve = await call(api, 'POST', `/api/reviews/${api.review.id}/approve`, as('sam'), '{}');
    assert.equal(approve.status, 403);
    assert.match(approve.json().error ?? '', /sam has the role operator; this needs approver \(or admin\)/);
    const up = await call(api, 'POST', `/api/stacks/${encodeURIComponent(STACK)}/up`, as('alice'), '{}');
    assert.equal(up.status, 403);
    const controls = await call(api, 'PUT', '/api/controls', as('alice'), JSON.stringify({ killSwitch: true }));
    assert.equal(controls.status, 403);
    assert.deepEqual(await api.state(), before);
  });

  it('reads need a viewer at least: 401 without a token on every API read', async () => {
    for (const route of api.routes.filter((r) => r.method === 'GET' && r.access !== 'open')) {
      const res = await call(api, 'GET', concreteUrl(route, api), {});
      assert.equal(res.status, 401, `GET ${route.url}`);
    }
    assert.equal((await call(api, 'GET', '/api/stacks', as('viewer', false))).status, 200);
    assert.equal((await call(api, 'GET', '/healthz', {})).status, 200);
    assert.equal((await call(api, 'GET', '/metrics', {})).status, 200, '/metrics is open by default');
  });

  it('refuses cross-site shapes of a mutation even with a valid token: forms, text/plain, no content type (415)', async () => {
    const before = await api.state();
    const path = `/api/reviews/${api.review.id}/approve`;
    const shapes: [string, Record<string, string>, string | undefined][] = [
      ['a urlencoded form', { 'content-type': 'application/x-www-form-urlencoded' }, 'by=mallory'],
      ['a multipart form', { 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n'],
      ['text/plain', { 'content-type': 'text/plain' }, '{}'],
      ['no content type and a body', {}, '{}'],
      ['no content type and no body', {}, undefined],
      ['JSON in disguise', { 'content-type': 'application/jsonx' }, '{}'],
    ];
    for (const [what, headers, body] of shapes) {
      for (const [method, target] of [['POST', path], ['PUT', '/api/controls'], ['POST', '/api/controls'], ['POST', `/api/stacks/${encodeURIComponent(STACK)}/unlock`]] as const) {
        // fetch adds text/plain to a string body without a type: send bytes to really send none.
        const raw = body === undefined ? undefined : new TextEncoder().encode(body);
        const res = await fetch(`${api.url}${target}`, { method, headers: { ...headers, authorization: `Bearer ${TEST_TOKENS.admin}` }, ...(raw ? { body: raw } : {}) });
        assert.equal(res.status, 415, `${what} to ${method} ${target}: ${await res.text()}`);
      }
    }
    assert.deepEqual(await api.state(), before);
  });

  it('records the token’s principal on an approval, whatever name the body or a header tries', async () => {
    const path = `/api/reviews/${api.review.id}/approve`;
    const named = await call(api, 'POST', path, as('alice'), JSON.stringify({ by: 'mallory' }));
    assert.equal(named.status, 400, 'a body naming who decides is refused, so old clients learn');
    assert.match(named.json().error ?? '', /^by: not accepted: the person recorded is the authenticated principal/);
    const ok = await call(api, 'POST', path, { ...as('alice'), 'x-homeostat-user': 'mallory', 'x-forwarded-user': 'mallory' }, '{}');
    assert.equal(ok.status, 200, ok.text);
    const [entry] = (await api.audit()).filter((e) => e.type === 'review-approved');
    assert.equal(entry?.actor, 'alice');
    assert.doesNotMatch(JSON.stringify(await api.audit()), /mallory/);
  });

  it('records the principal on a control change, not the x-homeostat-user header', async () => {
    const res = await call(api, 'PUT', '/api/controls', { ...as('sam'), 'x-homeostat-user': 'mallory' }, JSON.stringify({ dryRun: true }));
    assert.equal(res.status, 200, res.text);
    const [entry] = (await api.audit()).filter((e) => e.type === 'control-changed');
    assert.equal(entry?.actor, 'sam');
    const by = await call(api, 'PUT', '/api/controls', as('sam'), JSON.stringify({ dryRun: false, by: 'mallory' }));
    assert.equal(by.status, 400);
  });

  it('takes a stack key as one percent-encoded segment with a real fetch, the root project’s `.` included', async () => {
    // fetch collapses a literal `/./`: the key must travel encoded.
    assert.equal(new URL('http://h/api/stacks/infra/./sandbox/unlock').pathname, '/api/stacks/infra/sandbox/unlock');
    const res = await call(api, 'POST', `/api/stacks/${encodeURIComponent(STACK)}/unlock`, as('sam'), JSON.stringify({ force: true }));
    assert.equal(res.status, 200, res.text);
    assert.equal((JSON.parse(res.text) as { stackKey: string }).stackKey, STACK);
    const collapsed = await call(api, 'POST', '/api/stacks/infra/./sandbox/unlock', as('sam'), JSON.stringify({ force: true }));
    assert.equal(collapsed.status, 404, 'the collapsed path is no route');
  });

  it('refuses to register a route that declares no access: a forgotten role fails at start, never open', async () => {
    assert.throws(
      () =>
        createHttpServer({
          repos: [], intake: undefined as never, deployQueue: undefined as never, store: undefined as never, fetcher: undefined as never,
          metrics: { registry: { metrics: async () => '', contentType: 'text/plain' } } as never,
          ready: async () => true,
          auth: { mode: 'none' },
          extra: (app) => {
            app.post('/api/forgotten', async () => ({ done: true }));
          },
        }),
      /route POST \/api\/forgotten declares no access/,
    );
  });
});

describe('security: a reverse proxy’s identity header', function () {
  let api: SecuredApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('is honoured only from a trusted address: from it, the proxy’s user is the principal', async () => {
    api = await startSecuredApi(testServices().redisUrl, { proxy: { trustedAddresses: ['127.0.0.1'] } });
    const read = await call(api, 'GET', '/api/stacks', { 'x-forwarded-user': 'pat' });
    assert.equal(read.status, 200, 'a proxied person reads as a viewer');
    const controls = await call(api, 'PUT', '/api/controls', { ...as('sam'), 'x-forwarded-user': 'pat' }, JSON.stringify({ dryRun: true }));
    assert.equal(controls.status, 200);
    assert.equal((await api.audit()).find((e) => e.type === 'control-changed')?.actor, 'pat', 'the proxy names the person; the token gives the role');
  });

  it('is ignored from any other address', async () => {
    api = await startSecuredApi(testServices().redisUrl, { proxy: { trustedAddresses: ['10.9.8.7'] } });
    assert.equal((await call(api, 'GET', '/api/stacks', { 'x-forwarded-user': 'pat' })).status, 401);
    const res = await call(api, 'PUT', '/api/controls', { ...as('sam'), 'x-forwarded-user': 'pat' }, JSON.stringify({ dryRun: true }));
    assert.equal(res.status, 200);
    assert.equal((await api.audit()).find((e) => e.type === 'control-changed')?.actor, 'sam');
  });

  it('with metrics: token, /metrics needs a viewer', async () => {
    api = await startSecuredApi(testServices().redisUrl, { metrics: 'token' });
    assert.equal((await call(api, 'GET', '/metrics', {})).status, 401);
    assert.equal((await call(api, 'GET', '/metrics', as('viewer', false))).status, 200);
  });
});

describe('security: the config says who may use the API', function () {
  const base = {
    pulumi: { backendUrl: 'file:///tmp/nowhere', passphrase: { env: 'P' } },
    repositories: [{ id: 'infra', url: '/nowhere.git' }],
  };

  it('refuses auth: none unless the service listens on loopback only, naming why', () => {
    assert.throws(() => loadServiceConfig({ ...base, listen: { host: '0.0.0.0', port: 8080 }, auth: 'none' }, { P: 'p' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.problems.join('\n'), /^auth: none is allowed only on a loopback listen\.host .* not 0\.0\.0\.0/);
      return true;
    });
    for (const host of ['127.0.0.1', '::1', 'localhost']) assert.equal(loadServiceConfig({ ...base, listen: { host, port: 8080 }, auth: 'none' }, { P: 'p' }).auth, 'none');
  });

  it('refuses an auth section without a token, a short token, and two principals sharing one', () => {
    const problems = (auth: unknown, env: Record<string, string> = {}) => {
      try {
        loadServiceConfig({ ...base, auth }, { P: 'p', ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    assert.match(problems({ tokens: [] }).join('\n'), /auth\.tokens: configure at least one API token/);
    assert.match(problems({ tokens: [{ name: 'a', role: 'admin', token: { env: 'T' } }] }, { T: 'short' }).join('\n'), /auth\.tokens\.0\.token: 5 characters; use at least 16/);
    const shared = problems({ tokens: [{ name: 'a', role: 'admin', token: { env: 'T' } }, { name: 'b', role: 'viewer', token: { env: 'T' } }] }, { T: 'x'.repeat(32) });
    assert.match(shared.join('\n'), /auth\.tokens\.1\.token: the same value as another token's \(b\)/);
    assert.ok(!shared.join('\n').includes('x'.repeat(32)), 'the value is never shown');
    assert.match(problems({ tokens: [{ name: 'a', role: 'root', token: { env: 'T' } }] }, { T: 'x'.repeat(32) }).join('\n'), /auth\.tokens\.0\.role/);
  });

  it('a service with HTTP and no auth section does not start', async () => {
    const config = loadServiceConfig({ ...base, redisUrl: testServices().redisUrl }, { P: 'p' });
    await assert.rejects(startService(config), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /auth: say who may use the HTTP API/);
      return true;
    });
  });
});
