import { randomBytes } from 'node:crypto';
import type { Role } from '../../orchestrator/http/auth.ts';

/**
 * API tokens of the test principals, fresh for each test process. The
 * fixtures put them in the service's environment (`TEST_TOKEN_<NAME>`);
 * {@link tokenAuthDoc} is the `auth` section that names them.
 */
export const TEST_PRINCIPALS: Record<string, Role> = { admin: 'admin', alice: 'approver', bob: 'approver', carol: 'approver', sam: 'operator', 'test-operator': 'operator', viewer: 'viewer' };

export const TEST_TOKENS: Record<string, string> = Object.fromEntries(Object.keys(TEST_PRINCIPALS).map((name) => [name, `test-${name}-${randomBytes(16).toString('hex')}`]));

const envName = (name: string) => `TEST_TOKEN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** The environment holding every test token. */
export const TEST_TOKEN_ENV: Record<string, string> = Object.fromEntries(Object.entries(TEST_TOKENS).map(([name, token]) => [envName(name), token]));

/** The config's `auth` section with one token per test principal. */
export function tokenAuthDoc(): Record<string, unknown> {
  return { tokens: Object.entries(TEST_PRINCIPALS).map(([name, role]) => ({ name, role, token: { env: envName(name) } })) };
}

/** Headers of a call made as `name`. */
export function as(name: keyof typeof TEST_TOKENS & string, json = true): Record<string, string> {
  return { authorization: `Bearer ${TEST_TOKENS[name]}`, ...(json ? { 'content-type': 'application/json' } : {}) };
}
