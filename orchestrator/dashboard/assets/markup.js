/**
 * The dashboard's markup and formatting helpers: element descriptions, their
 * text and HTML, safe links, times and values. Pure, no DOM, no I/O; the
 * views in render.js are built from them.
 *
 * An element description is `{ tag, attrs, children }`; a child is another
 * description or a string. Strings are always text: `toHtml` escapes them and
 * app.js sets them with `textContent`, so data never becomes markup.
 */

/** Builds an element description; null, undefined and false children are dropped, arrays are flattened. */
export function h(tag, attrs, ...children) {
  const out = [];
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else out.push(typeof c === 'object' ? c : String(c));
  };
  children.forEach(add);
  return { tag, attrs: attrs ?? {}, children: out };
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Serialises a description as HTML, every text and attribute value escaped. */
export function toHtml(node) {
  if (typeof node === 'string') return escapeHtml(node);
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeHtml(v)}"`))
    .join('');
  return `<${node.tag}${attrs}>${node.children.map(toHtml).join('')}</${node.tag}>`;
}

/** The text of a description, as `textContent` would give it. */
export function textOf(node) {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}

/** Only http(s) links are followed; anything else (say `javascript:`) is dropped. */
export function safeUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : undefined;
}

// --- small formats -----------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');

/** `12:00:03`, local time, for an epoch-ms number, an ISO string or a Date. */
export function clock(when) {
  const d = when instanceof Date ? when : new Date(typeof when === 'string' ? Date.parse(when) : when);
  if (Number.isNaN(d.getTime())) return '-';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `2026-11-29 12:00:03`, local time. */
export function dateTime(when) {
  const d = new Date(typeof when === 'string' ? Date.parse(when) : when);
  if (Number.isNaN(d.getTime())) return '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(d)}`;
}

/** Epoch ms of an ISO string or a number; NaN when neither. */
export function toMs(when) {
  return typeof when === 'number' ? when : typeof when === 'string' ? Date.parse(when) : NaN;
}

export function shortCommit(commit) {
  return commit ? String(commit).slice(0, 12) : '-';
}

/** A number for people: at most four significant digits, no trailing zeros. */
export function num(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** A property value as `pulumi preview` prints it: strings quoted, numbers and booleans bare, the rest as JSON. */
export function formatValue(v) {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}
