import assert from 'node:assert/strict';
import { REDACTED, isSecretKey, redactSecrets } from '../../../orchestrator/audit/redact.ts';
import { Secret } from '../../../orchestrator/config/secret.ts';

describe('redactSecrets', () => {
  it('replaces known secret values inside nested strings, arrays and keys', () => {
    const out = redactSecrets(
      { a: { b: ['error: auth failed with hunter22 for user', 'ok'], c: 'hunter22hunter22' }, 'key-hunter22': 1 },
      ['hunter22'],
    );
    assert.deepEqual(out, { a: { b: [`error: auth failed with ${REDACTED} for user`, 'ok'], c: `${REDACTED}${REDACTED}` }, [`key-${REDACTED}`]: 1 });
  });

  it('removes a secret that contains another one whole', () => {
    assert.equal(redactSecrets('x=abcdefgh', ['abcd', 'abcdefgh']), `x=${REDACTED}`);
  });

  it('ignores known secrets shorter than 4 characters', () => {
    assert.equal(redactSecrets('a bc abc', ['abc', 'bc', '']), 'a bc abc');
  });

  it('redacts the values of keys whose names look secret', () => {
    const input = {
      password: 'p', dbPassword: 'p', passphrase: 'p', PULUMI_CONFIG_PASSPHRASE: 'p', pass: 'p', clientSecret: 'p', webhook_secret: { v: 1 },
      token: 'p', githubToken: 'p', apiKey: 'p', 'x-api-key': 'p', api_key: 'p', Authorization: 'Bearer x', credentials: ['p'],
      privateKey: 'p', private_key: 'p', aws_secret_access_key: 'p', tokenCount: 3,
    };
    const out = redactSecrets(input) as Record<string, unknown>;
    for (const key of Object.keys(input)) assert.equal(out[key], REDACTED, key);
  });

  it('keeps evidence whose key only resembles a secret name', () => {
    const input = { passed: true, bypass: 'no', author: 'ana', compass: 'n', guardrails: [{ name: 'blast-radius', passed: false }], hasToken: true, password: null };
    assert.deepEqual(redactSecrets(input), input);
    for (const key of ['passed', 'bypassGuardrails', 'author', 'authorized', 'passive']) assert.equal(isSecretKey(key), false, key);
  });

  it('turns Secret instances into [secret], and catches their value written out elsewhere', () => {
    const s = new Secret('s3cr3t-value');
    assert.deepEqual(redactSecrets({ config: { passphrase: s, note: s }, log: 'used s3cr3t-value to log in' }), {
      config: { passphrase: REDACTED, note: '[secret]' },
      log: `used ${REDACTED} to log in`,
    });
  });

  it('redacts AWS keys, GitHub and bearer tokens, URL passwords and private keys by their shape', () => {
    const cases: [string, string][] = [
      ['key AKIAIOSFODNN7EXAMPLE in use', `key ${REDACTED} in use`],
      ['temporary ASIAIOSFODNN7EXAMPLE', `temporary ${REDACTED}`],
      ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `aws_secret_access_key = ${REDACTED}`],
      ['{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', `{"SecretAccessKey": "${REDACTED}"}`],
      [`push with ghp_${'a'.repeat(36)} failed`, `push with ${REDACTED} failed`],
      ['header Bearer abc.def.ghi123', `header Bearer ${REDACTED}`],
      ['redis://:pa55word@localhost:6379/0', `redis://:${REDACTED}@localhost:6379/0`],
      ['https://user:pw@example.com/x', `https://user:${REDACTED}@example.com/x`],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', REDACTED],
    ];
    for (const [input, expected] of cases) assert.equal(redactSecrets(input), expected, input);
  });

  it('leaves other data untouched, commit SHAs and URLs included', () => {
    const input = {
      commit: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
      pr: 'https://github.com/acme/infra/pull/12',
      counts: { update: 2 }, confidence: 0.82, ok: true, none: null, list: [1, 'two', { three: 3 }],
    };
    assert.deepEqual(redactSecrets(input, ['unrelated-secret']), input);
  });

  it('does not change its input', () => {
    const s = new Secret('abcd1234');
    const input = { token: 'x', nested: { msg: 'abcd1234 hunter22', s }, arr: ['hunter22'] };
    const snapshot = { token: 'x', nested: { msg: 'abcd1234 hunter22', s }, arr: ['hunter22'] };
    const out = redactSecrets(input, ['hunter22']);
    assert.deepEqual(input, snapshot);
    assert.equal(input.nested.s, s);
    assert.notEqual(out, input);
  });

  it('returns plain JSON: dates, errors, maps, sets, cycles, undefined', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const out = redactSecrets({
      at: new Date(0), err: new Error('failed with hunter22'), m: new Map([['k', 1]]), s: new Set([1, 2]), cyclic, gone: undefined, f: () => 1, big: 10n, inf: Infinity,
    }, ['hunter22']);
    assert.deepEqual(out, {
      at: '1970-01-01T00:00:00.000Z', err: { name: 'Error', message: `failed with ${REDACTED}` }, m: { k: 1 }, s: [1, 2], cyclic: { name: 'loop', self: '[circular]' }, big: '10', inf: null,
    });
  });
});
