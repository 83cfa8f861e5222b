import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { Secret } from '../../orchestrator/config/secret.ts';
import { testServices } from '../support/services.ts';
import { as } from '../support/test-tokens.ts';
import { CLONE_URLS, githubPush, SHA } from '../unit/webhooks/fixtures.ts';
import { startSecuredApi, WEBHOOK_SECRETS, type SecuredApi } from './secured-api.ts';

// Every hostile string carries this marker, so a file it created anywhere can be found by name.
const MARK = `hs-escape-${randomBytes(4).toString('hex')}`;
/** Path traversal, absolute paths, Git ref and option injection, shell, control bytes, length. */
const HOSTILE = [
  '..',
  `../${MARK}`,
  `../../../../../../tmp/${MARK}`,
  `/tmp/${MARK}`,
  `a/../../${MARK}`,
  `infra/../../${MARK}/sandbox`,
  `infra/./..%2F${MARK}`,
  `.git/${MARK}`,
  `refs/heads/../${MARK}`,
  `--upload-pack=touch /tmp/${MARK}`,
  `-${MARK}`,
  `main;touch /tmp/${MARK}`,
  `$(touch /tmp/${MARK})`,
  `${MARK}\u0000x`,
  `${MARK}\nx`,
  `${MARK}.lock`,
  `@{-1}${MARK}`,
  `~/${MARK}`,
  `C:\\${MARK}`,
  `${MARK}${'x'.repeat(600)}`,
];

/** One request exactly as written, its path not normalized by the client. */
function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Files named after the marker in the temp folder or the working directory: none may exist. */
function escapedFiles(): string {
  const out: string[] = [];
  for (const root of [tmpdir(), process.cwd()]) {
    try {
      out.push(execFileSync('find', [root, '-maxdepth', '8', '-name', `*${MARK}*`, '-not', '-path', '*/node_modules/*'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch (err) {
      // find exits 1 when a folder vanished under it (other tests' temp folders); what it printed still counts.
      out.push(String((err as { stdout?: string }).stdout ?? ''));
    }
  }
  return out.join('').trim();
}

describe('security: traversal and ref-injection strings in every id, key and branch field', function () {
  this.timeout(300_000);
  let api: SecuredApi;
  before(async () => {
    api = await startSecuredApi(testServices().redisUrl, { repos: [{ id: 'infra', url: CLONE_URLS.github[0]!, deployBranch: 'main', forge: 'github', webhookSecret: new Secret(WEBHOOK_SECRETS.infra) }] });
  });
  after(async () => {
    await api?.close();
  });

  it('answers 400 naming the field for each one in every path parameter of the API, as admin, and touches no file', async () => {
    const wrong: string[] = [];
    const withParams = api.routes.filter((r) => r.url.startsWith('/api/') && r.url.includes('/:'));
    assert.ok(withParams.length >= 8, `routes with parameters: ${withParams.map((r) => r.url).join(', ')}`);
    for (const route of withParams) {
      for (const bad of HOSTILE) {
        // Sent as raw HTTP: fetch and curl resolve a `..` segment (even `%2E%2E`) before sending, so the route would never see it.
        const path = route.url.replace(/:(\w+)/, encodeURIComponent(bad));
        const res = await rawRequest(api.url, route.method, path, { ...as('admin'), ...(['GET', 'HEAD'].includes(route.method) ? {} : { 'content-type': 'application/json' }) }, ['GET', 'HEAD'].includes(route.method) ? undefined : '{"force":true}');
        const text = res.body;
        const field = /:(\w+)/.exec(route.url)![1]!;
        // HEAD answers carry no body, so only their status can be checked.
        if (res.status !== 400 || (route.method !== 'HEAD' && !text.startsWith(`{"error":"${field === 'key' ? 'stack' : 'id'}: `))) wrong.push(`${route.method} ${route.url} with ${JSON.stringify(bad.slice(0, 40))}: ${res.status} ${text.slice(0, 120)}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.equal(escapedFiles(), '');
  });

  it('answers 400 naming the field in every id and stack query filter', async () => {
    const wrong: string[] = [];
    const filters = [
      ['/api/runs', 'stack'],
      ['/api/remediations', 'stack'],
      ['/api/remediations', 'incident'],
      ['/api/audit', 'stack'],
      ['/api/audit', 'incident'],
    ] as const;
    for (const [path, field] of filters) {
      for (const bad of HOSTILE) {
        const res = await fetch(`${api.url}${path}?${field}=${encodeURIComponent(bad)}`, { headers: as('admin') });
        const text = await res.text();
        if (res.status !== 400 || !text.includes(field)) wrong.push(`${path}?${field}=${JSON.stringify(bad.slice(0, 40))}: ${res.status} ${text.slice(0, 120)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('takes none of them as a webhook’s repository id or a pushed branch: a 4xx, nothing enqueued, no file touched', async () => {
    const wrong: string[] = [];
    const sign = (body: string) => `sha256=${createHmac('sha256', WEBHOOK_SECRETS.infra).update(body).digest('hex')}`;
    for (const [i, bad] of HOSTILE.entries()) {
      // A push GitHub could have sent to the watched repository, but for the hostile branch name.
      const body = JSON.stringify(githubPush({ ref: `refs/heads/${bad}`, before: SHA.a, after: SHA.b }));
      for (const path of [`/webhooks/${encodeURIComponent(bad)}`, '/webhooks/infra']) {
        const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `t-${i}-${path.length}`, 'x-hub-signature-256': sign(body) }, body });
        const text = await res.text();
        if (res.status < 400 || res.status > 499) wrong.push(`${path.slice(0, 50)} ref ${JSON.stringify(bad.slice(0, 40))}: ${res.status} ${text.slice(0, 120)}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.equal(api.enqueued.length, 0);
    assert.equal(escapedFiles(), '');
  });
});
