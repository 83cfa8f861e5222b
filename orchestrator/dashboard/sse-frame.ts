/**
 * Server-sent events framing (the `text/event-stream` format of the HTML
 * standard), pure. A frame is lines of `field: value` ended by a blank line;
 * a data value spanning lines becomes one `data:` line per line, and an id
 * or event name may not hold a line break at all (it would end the field
 * early and let the rest be read as other fields).
 */

/** One event: its id (what the browser sends back as `Last-Event-ID`), its name, and its data. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

function field(name: string, value: string): string {
  if (LINE_BREAK.test(value) || value.includes('\0')) throw new Error(`SSE ${name} may not hold a line break or NUL: ${JSON.stringify(value)}`);
  return `${name}: ${value}\n`;
}

/** The frame of one event. */
export function sseFrame(e: SseEvent): string {
  let out = '';
  if (e.id !== undefined) out += field('id', e.id);
  if (e.event !== undefined) out += field('event', e.event);
  for (const line of e.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment frame: ignored by the browser, it keeps proxies and the connection from timing out. */
export function sseComment(text: string): string {
  return `${text.split(LINE_BREAK).map((l) => `: ${l}`).join('\n')}\n\n`;
}

/** Tells the browser how long to wait before reconnecting. */
export function sseRetry(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`SSE retry must be a whole number of ms, got ${ms}`);
  return `retry: ${ms}\n\n`;
}

/** A Redis stream id as the event stream hands them out: `<ms>-<seq>`. */
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * Where a (re)connecting reader resumes: the `Last-Event-ID` header the
 * browser sends on its own reconnects, else an `after` query parameter (a
 * page that opens a new stream after its session expired), else nowhere
 * (from now on). Anything that is not a stream id is refused, naming where
 * it came from.
 */
export function resumeFrom(header: string | string[] | undefined, query: string | undefined): { ok: true; id?: string } | { ok: false; error: string } {
  const h = Array.isArray(header) ? header[0] : header;
  if (h !== undefined && h !== '') {
    return STREAM_ID.test(h) ? { ok: true, id: h } : { ok: false, error: `Last-Event-ID: expected an event id like 1732000000000-0, got ${JSON.stringify(h.slice(0, 40))}` };
  }
  if (query !== undefined && query !== '') {
    return STREAM_ID.test(query) ? { ok: true, id: query } : { ok: false, error: `after: expected an event id like 1732000000000-0, got ${JSON.stringify(query.slice(0, 40))}` };
  }
  return { ok: true };
}
