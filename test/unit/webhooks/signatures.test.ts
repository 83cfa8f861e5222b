import assert from 'node:assert/strict';
import { hmacSha256Matches, sha256Hex, sharedTokenMatches } from '../../../orchestrator/webhooks/signatures.ts';
import { hmacHex } from './fixtures.ts';

describe('webhooks: signature checks', () => {
  const secret = 'gh-whsec-7f3a9c2e81d54b06';
  const body = Buffer.from('{"zen":"Keep it logically awesome."}');
  const digest = hmacHex(secret, body);

  it('accepts the HMAC-SHA256 of the body under the secret, in either hex case', () => {
    assert.equal(hmacSha256Matches(secret, body, digest), true);
    assert.equal(hmacSha256Matches(secret, body, digest.toUpperCase()), true);
  });

  const refused: [title: string, presented: string][] = [
    ['another secret\'s digest', hmacHex('other', body)],
    ['one flipped digit', `${digest.slice(0, 63)}${digest.endsWith('0') ? '1' : '0'}`],
    ['a shorter value (no exception from timingSafeEqual)', digest.slice(0, 62)],
    ['a longer value', `${digest}00`],
    ['non-hex characters of the right length', 'g'.repeat(64)],
    ['an empty value', ''],
  ];
  for (const [title, presented] of refused) {
    it(`refuses ${title}`, () => assert.equal(hmacSha256Matches(secret, body, presented), false));
  }

  it('compares a shared token exactly, whatever the lengths', () => {
    assert.equal(sharedTokenMatches('gl-token-51b0d8aa9e6c4f37', 'gl-token-51b0d8aa9e6c4f37'), true);
    for (const presented of ['', 'gl-token', 'gl-token-51b0d8aa9e6c4f37 ', 'GL-TOKEN-51B0D8AA9E6C4F37']) {
      assert.equal(sharedTokenMatches('gl-token-51b0d8aa9e6c4f37', presented), false, presented);
    }
  });

  it('hashes a body to a stable hex id', () => {
    assert.equal(sha256Hex(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
