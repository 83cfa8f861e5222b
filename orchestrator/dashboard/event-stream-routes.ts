import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/http-error.ts';
import { principalOf } from '../http/route-auth.ts';
import { sendJson } from '../http/send-json.ts';
import type { TimelineLog } from '../timeline/timeline-log.ts';
import { resumeFrom, sseComment, sseFrame, sseRetry } from './sse-frame.ts';
import { cookieValue, sessionCookie, STREAM_COOKIE, STREAM_PATH, type StreamSessions } from './stream-session.ts';

export interface EventStreamDeps {
  /** The shared timeline the stream reads. */
  log: TimelineLog;
  /** Short-lived cookies for the page's EventSource. */
  sessions: StreamSessions;
  /** A comment line this often keeps proxies from closing an idle stream, and catches up on anything missed; default 15 s. */
  heartbeatMs?: number;
  /** What the browser waits before reconnecting; default 2 s. */
  retryMs?: number;
  /** Streams open at once in this process; more are answered 503; default 200. */
  maxStreams?: number;
}

/** Events read from the timeline per step: with the socket's own buffer, all a connection ever holds in memory. */
const BATCH = 100;
/** Heartbeats a reader may stay unable to take more before it is closed (it reconnects with Last-Event-ID). */
const STALLED_HEARTBEATS = 4;

/**
 * `GET /api/events`: the timeline as server-sent events, for the dashboard.
 * Each event's id is its timeline id, so a browser that reconnects sends the
 * last one it saw (`Last-Event-ID`) and gets what it missed, in order, then
 * the live ones; without one, the stream starts now. A reader whose missed
 * events were already trimmed from the timeline gets a `reset` event (reload
 * everything). Each connection reads the timeline at its own pace, a batch at
 * a time and only while its socket takes more, so a slow reader holds one
 * batch in memory at most, and one that takes nothing for a while is closed.
 * Streams end when the server closes.
 *
 * `GET /api/events/session` trades the caller's bearer token for the
 * stream's cookie (see stream-session.ts).
 */
export function registerEventStream(app: FastifyInstance, deps: EventStreamDeps): void {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const retryMs = deps.retryMs ?? 2_000;
  const maxStreams = deps.maxStreams ?? 200;
  const open = new Set<() => void>();
  // Before the server stops listening: end every stream, so close() never waits on one.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  // A GET, since it changes nothing the service acts on; it needs the bearer header, which no other
  // site's page can send here (that would take a CORS preflight this server never answers).
  app.get(`${STREAM_PATH}/session`, { config: { access: 'viewer' } }, async (req, reply) => {
    const id = await deps.sessions.open(principalOf(req));
    reply.header('set-cookie', sessionCookie(id, deps.sessions.ttlMs, req.protocol === 'https')).header('cache-control', 'no-store');
    return sendJson(reply, 200, { expiresInMs: deps.sessions.ttlMs });
  });

  const altAuth = async (req: { headers: { cookie?: string } }) => {
    const id = cookieValue(req.headers.cookie, STREAM_COOKIE);
    return id ? deps.sessions.principalOf(id) : undefined;
  };
  app.get<{ Querystring: { after?: string } }>(STREAM_PATH, { config: { access: 'viewer', altAuth } }, async (req, reply) => {
    const from = resumeFrom(req.headers['last-event-id'], req.query.after);
    if (!from.ok) throw new HttpError(400, from.error);
    if (open.size >= maxStreams) throw new HttpError(503, `too many event streams open (${maxStreams}); try again later`);
    const cursor = from.id ?? (await deps.log.lastId());
    reply.hijack();
    await serveStream(reply.raw, { log: deps.log, cursor, resumed: from.id !== undefined, heartbeatMs, retryMs, open });
  });
}

interface StreamOptions {
  log: TimelineLog;
  /** The id the reader has seen last (or the newest, for a reader starting now). */
  cursor: string;
  resumed: boolean;
  heartbeatMs: number;
  retryMs: number;
  /** The open streams' end functions, for the server's close. */
  open: Set<() => void>;
}

/** One reader's stream, on a response already taken from Fastify (hijacked). */
async function serveStream(res: ServerResponse, opts: StreamOptions): Promise<void> {
  let cursor = opts.cursor;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
  res.write(sseRetry(opts.retryMs));
  // The cursor as the first id: a reconnect before any event still resumes from here.
  res.write(sseFrame({ id: cursor, event: 'ready', data: JSON.stringify({ resumed: opts.resumed }) }));

  let closed = false;
  let pumping = false;
  let again = false;
  let stalled = 0;
  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        // Full socket: read nothing more until it drains.
        if (closed || res.writableNeedDrain) return;
        const { events, gap } = await opts.log.after(cursor, BATCH);
        if (closed) return;
        if (gap) {
          cursor = await opts.log.lastId();
          res.write(sseFrame({ id: cursor, event: 'reset', data: '{}' }));
          continue;
        }
        for (const e of events) res.write(sseFrame({ id: e.id, event: 'timeline', data: JSON.stringify(e.event) }));
        if (events.length > 0) cursor = events[events.length - 1]!.id;
        if (events.length === BATCH) again = true;
      } while (again && !closed);
    } catch {
      endNow();
    } finally {
      pumping = false;
    }
  }
  const heartbeat = setInterval(() => {
    if (res.writableNeedDrain) {
      if (++stalled >= STALLED_HEARTBEATS) end(true);
      return;
    }
    stalled = 0;
    res.write(sseComment('heartbeat'));
    void pump();
  }, opts.heartbeatMs);
  const stopWatching = opts.log.watch(() => void pump());
  /** Ends the stream; a stalled one is cut at once, with what its socket still holds (it resumes from its last id). */
  function end(stalledReader = false): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    opts.open.delete(endNow);
    void stopWatching();
    if (stalledReader) res.destroy();
    else res.end();
  }
  const endNow = () => end();
  opts.open.add(endNow);
  res.on('drain', () => void pump());
  res.on('close', endNow);
  await pump();
}
