/* global history, location, URLSearchParams */
/**
 * The dashboard page: reads the service's JSON API when the service's event
 * stream says something happened (live.js), and renders each section with
 * the pure helpers of render.js. A section is redrawn only when its data
 * changed, so nothing flickers and what a person is reading (an open log, a
 * typed reason) stays put. The selected run and incident live in the
 * address (`?run=…&incident=…`), so they survive both refreshes and reloads.
 */
import * as r from './render.js';
import { $, draw, enc, forget, getJson, postJson, serialised, tokenField } from './api.js';
import { startLive } from './live.js';
import { promotionsList, soakLeftText } from './promotions-view.js';
import { stackGraphView } from './graph-view.js';

const params = new URLSearchParams(location.search);
const state = {
  run: params.get('run') ?? undefined,
  incident: params.get('incident') ?? undefined,
  lastOk: undefined,
  live: { mode: 'connecting' },
  /** The newest timeline events this page has seen, newest first. */
  events: [],
};
const EVENTS_SHOWN = 30;

// --- the sections ------------------------------------------------------------------------

function section(id, result, what, render) {
  draw(id, result.ok ? result.data : { unavailable: result.why }, () => (result.ok ? render(result.data) : r.unavailable(what, result.why)));
}

async function refresh() {
  const [stacks, runs, incidents, reviews, audit, verify, promotions, graph] = await Promise.all([
    getJson('/api/stacks'),
    getJson('/api/runs?limit=50'),
    getJson('/api/incidents?limit=50'),
    getJson('/api/reviews?status=open'),
    getJson('/api/audit?limit=100'),
    getJson('/api/audit/verify'),
    getJson('/api/promotions?limit=20'),
    getJson('/api/graph'),
  ]);
  const [run, incident, series, remediations] = await Promise.all([
    state.run ? getJson(`/api/runs/${enc(state.run)}`) : undefined,
    state.incident ? getJson(`/api/incidents/${enc(state.incident)}`) : undefined,
    state.incident ? getJson(`/api/incidents/${enc(state.incident)}/series`) : undefined,
    state.incident ? getJson(`/api/remediations?incident=${enc(state.incident)}`) : undefined,
  ]);

  section('stacks-body', stacks, 'stacks', (d) => r.stacksTable(d.stacks));
  section('graph-body', graph, 'stack graph', (d) => stackGraphView(d.graph));
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
  section('promotions-body', promotions, 'promotions', (d) => promotionsList(d.promotions, Date.now()));
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
    forget('reviews-body');
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
  else if (action === 'promotion-pause' || action === 'promotion-resume') void control(action.slice('promotion-'.length), el);
});

/** An operator's pause or resume of a promotion; the service checks the role and audits it under the token's name. */
async function control(verb, button) {
  const { repo, commit } = button.dataset;
  const error = button.closest('.actions')?.querySelector('[data-error-for]');
  button.disabled = true;
  if (error) error.textContent = verb === 'pause' ? 'pausing…' : 'resuming…';
  try {
    await postJson(`/api/promotions/${enc(repo)}/${enc(commit)}/${verb}`, {});
  } catch (err) {
    button.disabled = false;
    if (error) error.textContent = `${verb} failed: ${err.message}`;
    return;
  }
  forget('promotions-body');
  await tick();
}

// A soak's time left moves while no record does: only that text is ticked, no API is asked.
setInterval(() => {
  for (const el of document.querySelectorAll('[data-soak-end]')) el.textContent = soakLeftText(Number(el.dataset.soakEnd), Date.now());
}, 1000);

// --- live updates ----------------------------------------------------------------------

const tick = serialised(refresh, (err) => ($('freshness').textContent = `dashboard error: ${err.message}`));

function showEvent(event) {
  state.events = [event, ...state.events].slice(0, EVENTS_SHOWN);
  draw('timeline-body', state.events, () => r.timelineList(state.events));
}

// The token field first: the stream's session is asked for with it.
let live;
tokenField(() => live.restart());
live = startLive({
  onChange: () => void tick(),
  onEvent: showEvent,
  onStatus: (status) => {
    state.live = status;
    draw('live', status, () => r.liveBadge(status));
  },
});
draw('timeline-body', [], () => r.timelineList([]));
void tick();
