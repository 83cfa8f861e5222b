/* global sessionStorage */
/**
 * What the dashboard's pages share: the API token a person typed (kept for
 * this tab only, in sessionStorage, and sent only as a bearer header), the
 * JSON calls, and turning render.js descriptions into DOM nodes.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
export const $ = (id) => document.getElementById(id);
export const enc = encodeURIComponent;

// --- who is acting ------------------------------------------------------------------

// The API token says who acts: the service records its name, never one typed here.
// A token is a secret: kept for this tab only (sessionStorage), and sent only as a
// bearer header. The one cookie (the event stream's, HttpOnly) is set by the server
// in exchange for it, is scoped to the stream, and cannot change anything.
const TOKEN_KEY = 'homeostat.token';

/** Wires the token field; `onChange` runs when a person types a new token. */
export function tokenField(onChange) {
  const input = $('api-token');
  input.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  input.addEventListener('input', () => {
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    onChange();
  });
}

export const authHeaders = () => {
  const token = ($('api-token')?.value ?? '').trim();
  return token ? { authorization: `Bearer ${token}` } : {};
};

// --- DOM ----------------------------------------------------------------------------

/** Turns a render.js description into DOM nodes; text goes in as text, never as markup. */
export function toDom(node, svg = false) {
  if (typeof node === 'string') return document.createTextNode(node);
  const inSvg = svg || node.tag === 'svg';
  const el = inSvg ? document.createElementNS(SVG_NS, node.tag) : document.createElement(node.tag);
  for (const [k, v] of Object.entries(node.attrs)) {
    if (v === undefined || v === null || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of node.children) el.appendChild(toDom(c, inSvg));
  return el;
}

const drawn = new Map();

/** Redraws a section only when what it shows changed. */
export function draw(id, key, render) {
  const k = JSON.stringify(key);
  if (drawn.get(id) === k) return;
  drawn.set(id, k);
  const target = $(id);
  const nodes = render();
  target.replaceChildren(...(nodes ? [nodes].flat().map((n) => toDom(n)) : []));
}

/** Forgets what a section showed, so the next draw redraws it. */
export function forget(id) {
  drawn.delete(id);
}

// --- API ------------------------------------------------------------------------------

/** Endpoints this service does not offer (an older or smaller service), asked again only now and then. */
const absent = new Map();
const ABSENT_RETRY_MS = 30_000;

/** `{ ok: true, data }`, or `{ ok: false, why }`. */
export async function getJson(path) {
  const endpoint = path.split('?')[0];
  const known = absent.get(endpoint);
  if (known && known.until > Date.now()) return known.result;
  try {
    const res = await fetch(path, { headers: { accept: 'application/json', ...authHeaders() }, cache: 'no-store' });
    const body = await res.json().catch(() => undefined);
    if (res.status === 404 && (!body?.error || /^no route /.test(body.error))) {
      const result = { ok: false, why: 'not offered by this service', status: 404 };
      absent.set(endpoint, { until: Date.now() + ABSENT_RETRY_MS, result });
      return result;
    }
    if (res.status === 401) return { ok: false, why: `${body?.error ?? 'authentication required'}: enter an API token above`, status: 401 };
    if (!res.ok) return { ok: false, why: body?.error ?? `HTTP ${res.status}`, status: res.status };
    return { ok: true, data: body };
  } catch (err) {
    return { ok: false, why: String(err?.message ?? err), status: 0 };
  }
}

export async function postJson(path, body) {
  const headers = { 'content-type': 'application/json', ...authHeaders() };
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? data.message ?? `HTTP ${res.status}`);
  return data;
}

/**
 * Runs `refresh` one at a time: a request during one runs right after it.
 * Returns the function to call.
 */
export function serialised(refresh, onError) {
  let running = false;
  let again = false;
  async function tick() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await refresh();
    } catch (err) {
      onError(err);
    } finally {
      running = false;
      if (again) {
        again = false;
        void tick();
      }
    }
  }
  return tick;
}

/** Trades the token for the event stream's cookie (HttpOnly: this script never sees it). */
export async function openStreamSession() {
  const res = await fetch('/api/events/session', { headers: { accept: 'application/json', ...authHeaders() }, cache: 'no-store' });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}
