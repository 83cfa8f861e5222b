import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../config/secret.ts';

/**
 * What a principal may do. `viewer` reads; `operator` runs previews, ups,
 * drift checks and unlocks and sets the run-time controls; `approver`
 * decides review items; `admin` does everything. Operator and approver are
 * separate on purpose: the person who can push a change through is not, by
 * that alone, the person who can approve an automated one.
 */
export type Role = 'viewer' | 'operator' | 'approver' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'approver', 'admin'];

/** The minimum a route asks for: a role, or `open` (health, webhooks: they carry their own HMAC). */
export type RouteAccess = Role | 'open';

/** Who is calling, once authenticated. Its name is what the audit log records. */
export interface Principal {
  name: string;
  role: Role;
  /** How it was established: a bearer token, a trusted proxy's header, or no authentication at all (`auth: none`). */
  via: 'token' | 'proxy' | 'none';
}

/** An API token as the HTTP layer holds it. */
export interface ApiToken {
  name: string;
  role: Role;
  token: Secret;
}

/**
 * How the HTTP API authenticates. `none` is for a service bound to loopback
 * only (the config refuses it otherwise): every caller is the principal
 * `local` with the admin role.
 */
export type AuthSettings =
  | { mode: 'none' }
  | {
      mode: 'tokens';
      tokens: readonly ApiToken[];
      /** A reverse proxy that authenticates people and names them in a header. */
      proxy?: { header: string; trustedAddresses: readonly string[]; role: Role };
      /** Whether `/metrics` needs a viewer token; default open. */
      metrics: 'open' | 'token';
    };

/** Whether a principal with `have` may use a route that asks for `need`. */
export function roleAllows(have: Role, need: RouteAccess): boolean {
  if (need === 'open' || have === 'admin' || have === need) return true;
  return need === 'viewer';
}

/** Why a request was refused: 401 (who are you?) or 403 (not allowed). The message never holds a secret. */
export interface AuthRefusal {
  status: 401 | 403;
  message: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Finds the token `given` matches. Both sides are hashed first, so the
 * comparison is constant-time whatever the lengths, and every configured
 * token is compared (no early exit that would time which one matched).
 */
export function matchToken(given: string, tokens: readonly ApiToken[]): ApiToken | undefined {
  const g = digest(given);
  let found: ApiToken | undefined;
  for (const t of tokens) {
    if (timingSafeEqual(g, digest(t.token.reveal())) && !found) found = t;
  }
  return found;
}

/** Normalises an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) to its IPv4 form. */
function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The socket's remote address: the only thing a proxy header is trusted on. */
  remoteAddress: string | undefined;
}

/**
 * Establishes the principal of a request. A bearer token gives its name and
 * role; from a trusted proxy's address, the proxy's identity header names
 * the person (with the token's role when one is sent as well, else the
 * proxy's configured role). The header from any other address is ignored:
 * anyone can write a header.
 */
export function authenticate(req: AuthRequest, settings: AuthSettings): Principal | AuthRefusal {
  if (settings.mode === 'none') return { name: 'local', role: 'admin', via: 'none' };
  const header = req.headers.authorization;
  const auth = typeof header === 'string' ? header : '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
  const token = bearer ? matchToken(bearer, settings.tokens) : undefined;
  if (bearer && !token) return { status: 401, message: 'wrong API token' };
  const proxy = settings.proxy;
  if (proxy && proxy.trustedAddresses.includes(plainAddress(req.remoteAddress))) {
    const user = req.headers[proxy.header.toLowerCase()];
    const name = typeof user === 'string' ? user.trim() : '';
    if (name) return { name, role: token?.role ?? proxy.role, via: 'proxy' };
  }
  if (token) return { name: token.name, role: token.role, via: 'token' };
  return { status: 401, message: auth ? 'unsupported Authorization scheme: send Authorization: Bearer <token>' : 'authentication required: send Authorization: Bearer <token>' };
}

/** The refusal for a principal whose role is too weak, naming the role needed. */
export function forbidden(principal: Principal, need: RouteAccess): AuthRefusal {
  return { status: 403, message: `${principal.name} has the role ${principal.role}; this needs ${need === 'viewer' ? 'viewer' : `${need} (or admin)`}` };
}
