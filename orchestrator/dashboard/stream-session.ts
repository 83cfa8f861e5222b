import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Principal } from '../http/auth.ts';
import { ROLES } from '../http/auth.ts';

/** The cookie that lets the page's EventSource (which cannot send headers) open the event stream. */
export const STREAM_COOKIE = 'homeostat_stream';
/** The only path the cookie is sent to: it opens the read-only event stream and nothing else. */
export const STREAM_PATH = '/api/events';

const SessionSchema = z.object({ name: z.string().min(1), role: z.enum(ROLES as ['viewer', 'operator', 'approver', 'admin']) });

/**
 * Short-lived stream sessions. A page that holds an API token trades it
 * (as a bearer header, over `GET /api/events/session`) for a random
 * session id, set as an HttpOnly, SameSite=Strict cookie scoped to
 * `/api/events`: the browser sends it on the stream's requests only, scripts
 * cannot read it, and it is never in a URL (so never in an access log).
 * Redis holds only the id's SHA-256 and the principal, and forgets both
 * after `ttlMs`; the page asks for a new one when the stream is refused.
 */
export interface StreamSessions {
  /** A new session for `principal`; returns the id to put in the cookie. */
  open(principal: Principal): Promise<string>;
  /** The principal of a session id, while it lasts. */
  principalOf(id: string): Promise<Principal | undefined>;
  readonly ttlMs: number;
}

/** @param ttlMs - how long a session opens streams; default 10 minutes. A stream already open stays open. */
export function createStreamSessions(redis: Redis, prefix: string, ttlMs = 10 * 60_000): StreamSessions {
  const key = (id: string) => `${prefix}:stream-session:${createHash('sha256').update(id).digest('hex')}`;
  return {
    ttlMs,
    async open(principal) {
      const id = randomBytes(32).toString('base64url');
      await redis.set(key(id), JSON.stringify({ name: principal.name, role: principal.role }), 'PX', ttlMs);
      return id;
    },
    async principalOf(id) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
      const raw = await redis.get(key(id));
      if (raw === null) return undefined;
      const parsed = SessionSchema.safeParse(JSON.parse(raw));
      return parsed.success ? { ...parsed.data, via: 'token' } : undefined;
    },
  };
}

/** The value of cookie `name` in a Cookie header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for a session id (`Secure` when the page came over HTTPS). */
export function sessionCookie(id: string, maxAgeMs: number, secure: boolean): string {
  return `${STREAM_COOKIE}=${id}; Path=${STREAM_PATH}; Max-Age=${Math.floor(maxAgeMs / 1000)}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
