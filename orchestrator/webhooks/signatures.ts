// The only file of the webhook receiver that touches `node:crypto`: everything
// else in this folder is plain data in, data out.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * Whether `presentedHex` is the HMAC-SHA256 of `body` under `secret`, compared in
 * constant time. A value that is not 64 hex digits fails before any comparison:
 * the length of a SHA-256 digest is public, so that check tells an attacker nothing.
 */
export function hmacSha256Matches(secret: string, body: Uint8Array, presentedHex: string): boolean {
  if (!SHA256_HEX.test(presentedHex)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(presentedHex, 'hex'));
}

/**
 * Whether a presented token equals the shared secret, in constant time. Both
 * sides are hashed first, so the comparison runs on equal-length digests and
 * reveals neither the secret's content nor its length.
 */
export function sharedTokenMatches(secret: string, presented: string): boolean {
  return timingSafeEqual(sha256(Buffer.from(secret, 'utf8')), sha256(Buffer.from(presented, 'utf8')));
}

/** Hex SHA-256 of a body: a stable id for a delivery that came without one. */
export function sha256Hex(body: Uint8Array): string {
  return sha256(body).toString('hex');
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
