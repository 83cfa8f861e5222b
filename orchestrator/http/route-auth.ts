import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, forbidden, roleAllows, ROLES, type AuthSettings, type Principal, type RouteAccess } from './auth.ts';
import { HttpError } from './http-error.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: a minimum role, or `open`. Every route must say; see {@link installAuth}. */
    access?: RouteAccess;
    /**
     * A second way to establish the principal, tried only when the request
     * carries no Authorization header: the dashboard's event stream, which a
     * browser's EventSource opens without headers, takes a short-lived
     * session cookie scoped to that one path (see dashboard/stream-session.ts).
     */
    altAuth?: (req: FastifyRequest) => Promise<Principal | undefined>;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on open routes. */
    principal: Principal | null;
  }
}

const ACCESS: readonly string[] = ['open', ...ROLES];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The media type of a Content-Type header, lower-cased, without its parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The one gate every request passes. A route must declare its access
 * (`config: { access: 'operator' }`) or it is not registered at all: a
 * forgotten declaration fails at start, never open. Then, per request and
 * before the body is read: 401 without a valid principal, 403 when its role
 * is too weak (naming the role needed), and 415 for a mutation whose body is
 * not `application/json` — the one type a page in someone's browser cannot
 * send to another site without a CORS preflight, which this server never
 * answers. The only cookie is the event stream's (a read-only GET, on a
 * route that opts in with `altAuth`): no cookie ever authorises a change.
 */
export function installAuth(app: FastifyInstance, settings: AuthSettings, onRoute?: (route: { method: string; url: string; access: string }) => void): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (typeof access !== 'string' || !ACCESS.includes(access)) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no access (config.access: open, ${ROLES.join(', ')}): refused`);
    }
    for (const method of methods) onRoute?.({ method, url: route.url, access });
  });
  app.addHook('onRequest', async (req, reply) => {
    // No route matched: the 404 handler answers, and nothing else runs.
    if (req.is404) return;
    // A route registered around the onRoute check would have no access: treat it as admin-only.
    const access: RouteAccess = req.routeOptions.config.access ?? 'admin';
    if (access === 'open') return;
    let result = authenticate({ headers: req.headers, remoteAddress: req.socket.remoteAddress }, settings);
    const alt = req.routeOptions.config.altAuth;
    if ('status' in result && result.status === 401 && alt && req.headers.authorization === undefined) result = (await alt(req)) ?? result;
    if ('status' in result) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(result.status, result.message);
    }
    if (!roleAllows(result.role, access)) {
      const refusal = forbidden(result, access);
      throw new HttpError(refusal.status, refusal.message);
    }
    req.principal = result;
    if (!SAFE_METHODS.has(req.method) && mediaType(req.headers['content-type']) !== 'application/json') {
      throw new HttpError(415, `send a JSON body with Content-Type: application/json (got ${req.headers['content-type'] ? mediaType(req.headers['content-type']) : 'none'})`);
    }
  });
}

/** The principal of a request on a route that needs one. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpError(500, 'no principal on a route that needs one');
  return req.principal;
}
