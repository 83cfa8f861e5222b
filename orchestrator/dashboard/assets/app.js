/* global sessionStorage, history, location, URLSearchParams */
/**
 * The dashboard page: polls the service's JSON API every two seconds and
 * renders each section with the pure helpers of render.js. A section is
 * redrawn only when its data changed, so nothing flickers and what a person
 * is reading (an open log, a typed reason) stays put. The selected run and
 * incident live in the address (`?run=…&incident=…`), so they survive both
 * refreshes and reloads.
 */
import * as r from './render.js';

const POLL_MS = 2000;
const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

const params = new URLSearchParams(location.search);
const state = {
  run: params.get('run') ?? undefined,
  incident: params.get('incident') ?? undefined,
  lastOk: undefined,
};

// --- who is acting --------------------------------------------------------------

// The API token says who acts: the service records its name, never one typed here.
// A token is a secret: kept for this tab only (sessionStorage), and sent only as a
// bearer header, never as a cookie, so no other site's page can use it.
const tokenInput = $('api-token');
tokenInput.value = sessionStorage.getItem('homeostat.token') ?? '';
tokenInput.addEventListener('input', () => {
  sessionStorage.setItem('homeostat.token', tokenInput.value.trim());
  void tick();
});
const authHeaders = () => (tokenInput.value.trim() ? { authorization: `Bearer ${tokenInput.value.trim()}` } : {});

// --- DOM ----------------------------------------------------------------------------

/** Turns a render.js description into DOM nodes; text goes in as text, never as markup. */
function toDom(node, svg = false) {
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
function draw(id, key, render) {
  const k = JSON.stringify(key);
  if (drawn.get(id) === k) return;
  drawn.set(id, k);
  const target = $(id);
  const nodes = render();
  target.replaceChildren(...(nodes ? [nodes].flat().map((n) => toDom(n)) : []));
}

// --- API ------------------------------------------------------------------------------

/** Endpoints this service does not offer (an older or smaller service), asked again only now and then. */
const absent = new Map();
const ABSENT_RETRY_MS = 30_000;

/** `{ ok: true, data }`, or `{ ok: false, why }`. */
async function getJson(path) {
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

async function postJson(path, body) {
  const headers = { 'content-type': 'application/json', ...authHeaders() };
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? data.message ?? `HTTP ${res.status}`);
  return data;
}

const enc = encodeURIComponent;

// --- the sections ------------------------------------------------------------------------

function section(id, result, what, render) {
  draw(id, result.ok ? result.data : { unavailable: result.why }, () => (result.ok ? render(result.data) : r.unavailable(what, result.why)));
}

async function refresh() {
  const [stacks, runs, incidents, reviews, audit, verify] = await Promise.all([
    getJson('/api/stacks'),
    getJson('/api/runs?limit=50'),
    getJson('/api/incidents?limit=50'),
    getJson('/api/reviews?status=open'),
    getJson('/api/audit?limit=100'),
    getJson('/api/audit/verify'),
  ]);
  const [run, incident, series, remediations] = await Promise.all([
    state.run ? getJson(`/api/runs/${enc(state.run)}`) : undefined,
    state.incident ? getJson(`/api/incidents/${enc(state.incident)}`) : undefined,
    state.incident ? getJson(`/api/incidents/${enc(state.incident)}/series`) : undefined,
    state.incident ? getJson(`/api/remediations?incident=${enc(state.incident)}`) : undefined,
  ]);

  section('stacks-body', stacks, 'stacks', (d) => r.stacksTable(d.stacks));
  draw('runs-body', runs.ok ? [runs.data, state.run] : runs.why, () => (runs.ok ? r.runsTable(runs.data.runs, state.run) : r.unavailable('runs', runs.why)));
  draw('run-detail', run ? (run.ok ? run.data : run.why) : null, () => (!run ? null : run.ok ? r.runDetail(run.data.run, run.data.log) : r.unavailable(`run ${state.run}`, run.why)));
  draw('incidents-body', incidents.ok ? [incidents.data, state.incident] : incidents.why, () =>
    incidents.ok ? r.incidentsTable(incidents.data.incidents, state.incident) : r.unavailable('incidents', incidents.why),
  );
  draw('incident-detail', [incident, series, remediations], () =>
    !incident
      ? null
      : !incident.ok
        ? r.unavailable(`incident ${state.incident}`, incident.why)
        : r.incidentDetail(incident.data, series.ok ? series.data.signals : series.why, remediations.ok ? remediations.data.remediations : remediations.why),
  );
  drawReviews(reviews);
  section('audit-body', audit, 'audit log', (d) => r.auditTable(d.entries));
  draw('audit-verify', verify.ok ? verify.data : 'unavailable', () => r.verifyBadge(verify.ok ? verify.data : verify.why));

  const reached = [stacks, runs].some((x) => x.ok);
  if (reached) state.lastOk = new Date();
  $('freshness').textContent = reached
    ? `updated ${r.clock(state.lastOk)}`
    : `cannot reach the service${state.lastOk ? `; last updated ${r.clock(state.lastOk)}` : ''}`;
  $('freshness').className = reached ? 'muted' : 'badge bad';
}

/** Reviews keep what was typed into a reason field when the list is redrawn. */
function drawReviews(reviews) {
  const typed = new Map([...document.querySelectorAll('[data-reason-for]')].map((el) => [el.dataset.reasonFor, el.value]));
  draw('reviews-body', reviews.ok ? reviews.data : reviews.why, () =>
    reviews.ok ? r.reviewsList(reviews.data.reviews.filter((x) => x.status === 'open')) : r.unavailable('reviews', reviews.why),
  );
  for (const el of document.querySelectorAll('[data-reason-for]')) {
    const v = typed.get(el.dataset.reasonFor);
    if (v && !el.value) el.value = v;
  }
}

// --- actions -----------------------------------------------------------------------------

function select(kind, id) {
  state[kind] = state[kind] === id ? undefined : id;
  const q = new URLSearchParams();
  if (state.run) q.set('run', state.run);
  if (state.incident) q.set('incident', state.incident);
  history.replaceState(null, '', `${location.pathname}${q.toString() ? `?${q}` : ''}${location.hash}`);
  void tick();
}

async function decide(action, id, button) {
  const card = button.closest('[data-review]');
  const error = card?.querySelector('[data-error-for]');
  const buttons = card ? [...card.querySelectorAll('button')] : [button];
  buttons.forEach((b) => (b.disabled = true));
  if (error) error.textContent = action === 'approve' ? 'approving…' : 'rejecting…';
  try {
    const body = {};
    const reason = card?.querySelector('[data-reason-for]')?.value.trim();
    if (action === 'reject' && reason) body.reason = reason;
    await postJson(`/api/reviews/${enc(id)}/${action}`, body);
    // The list is redrawn from the API, where the item is no longer open.
    drawn.delete('reviews-body');
  } catch (err) {
    buttons.forEach((b) => (b.disabled = false));
    if (error) error.textContent = `${action} failed: ${err.message}`;
    return;
  }
  await tick();
}

document.addEventListener('click', (ev) => {
  const el = ev.target.closest('[data-action]');
  if (!el) return;
  const { action, id } = el.dataset;
  if (action === 'select-run') select('run', id);
  else if (action === 'select-incident') select('incident', id);
  else if (action === 'approve' || action === 'reject') void decide(action, id, el);
});

// --- polling -------------------------------------------------------------------------------

let running = false;
let again = false;
let timer;

/** One refresh at a time; a request during one runs right after it. */
async function tick() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  clearTimeout(timer);
  try {
    await refresh();
  } catch (err) {
    $('freshness').textContent = `dashboard error: ${err.message}`;
  } finally {
    running = false;
    if (again) {
      again = false;
      void tick();
    } else {
      timer = setTimeout(tick, POLL_MS);
    }
  }
}

void tick();
