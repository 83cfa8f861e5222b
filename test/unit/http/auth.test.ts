import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readApiToken } from '../../../orchestrator/cli/api-client.ts';
import { Secret } from '../../../orchestrator/config/secret.ts';
import { authenticate, roleAllows, type AuthSettings, type Role, type RouteAccess } from '../../../orchestrator/http/auth.ts';

const TOKENS: AuthSettings = {
  mode: 'tokens',
  metrics: 'open',
  tokens: [
    { name: 'ops', role: 'admin', token: new Secret('admin-token-0123456789') },
    { name: 'alice', role: 'approver', token: new Secret('alice-token-0123456789') },
  ],
  proxy: { header: 'x-forwarded-user', trustedAddresses: ['10.0.0.5'], role: 'viewer' },
};

describe('auth: who a request is, and what a role may do', () => {
  const table: [Role, RouteAccess, boolean][] = [
    ['viewer', 'open', true], ['viewer', 'viewer', true], ['viewer', 'operator', false], ['viewer', 'approver', false], ['viewer', 'admin', false],
    ['operator', 'viewer', true], ['operator', 'operator', true], ['operator', 'approver', false], ['operator', 'admin', false],
    ['approver', 'viewer', true], ['approver', 'approver', true], ['approver', 'operator', false], ['approver', 'admin', false],
    ['admin', 'operator', true], ['admin', 'approver', true], ['admin', 'admin', true],
  ];
  for (const [have, need, allowed] of table) {
    it(`${have} ${allowed ? 'may' : 'may not'} use a route that needs ${need}`, () => assert.equal(roleAllows(have, need), allowed));
  }

  it('a bearer token gives its name and role; a wrong one or another scheme is 401', () => {
    assert.deepEqual(authenticate({ headers: { authorization: 'Bearer alice-token-0123456789' }, remoteAddress: '127.0.0.1' }, TOKENS), { name: 'alice', role: 'approver', via: 'token' });
    assert.equal((authenticate({ headers: { authorization: 'Bearer alice-token-012345678' }, remoteAddress: '127.0.0.1' }, TOKENS) as { status: number }).status, 401);
    assert.equal((authenticate({ headers: { authorization: 'Basic YWxpY2U6eA==' }, remoteAddress: '127.0.0.1' }, TOKENS) as { status: number }).status, 401);
    assert.equal((authenticate({ headers: {}, remoteAddress: '127.0.0.1' }, TOKENS) as { status: number }).status, 401);
  });

  it('the proxy header counts only from a trusted address (IPv4-mapped too)', () => {
    assert.deepEqual(authenticate({ headers: { 'x-forwarded-user': 'pat' }, remoteAddress: '::ffff:10.0.0.5' }, TOKENS), { name: 'pat', role: 'viewer', via: 'proxy' });
    assert.equal((authenticate({ headers: { 'x-forwarded-user': 'pat' }, remoteAddress: '10.0.0.6' }, TOKENS) as { status: number }).status, 401);
    assert.deepEqual(authenticate({ headers: { 'x-forwarded-user': 'pat', authorization: 'Bearer admin-token-0123456789' }, remoteAddress: '10.0.0.6' }, TOKENS), { name: 'ops', role: 'admin', via: 'token' });
  });

  it('a refusal never holds the token it was given', () => {
    const refusal = authenticate({ headers: { authorization: 'Bearer not-a-real-token-424242' }, remoteAddress: '127.0.0.1' }, TOKENS);
    assert.ok(!JSON.stringify(refusal).includes('424242'));
  });
});

describe('cli: the API token it sends', () => {
  it('reads --token-file first, else HOMEOSTAT_TOKEN, trimmed; an empty file is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-token-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'from-the-file\n');
      assert.equal(readApiToken({ tokenFile: file, env: { HOMEOSTAT_TOKEN: 'from-env' } }), 'from-the-file');
      assert.equal(readApiToken({ env: { HOMEOSTAT_TOKEN: ' from-env ' } }), 'from-env');
      assert.equal(readApiToken({ env: {} }), undefined);
      writeFileSync(file, '\n');
      assert.throws(() => readApiToken({ tokenFile: file }), /is empty/);
      assert.throws(() => readApiToken({ tokenFile: join(dir, 'missing') }), /cannot read .*ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
