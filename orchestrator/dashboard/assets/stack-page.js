/* global location, URLSearchParams */
/**
 * A stack's page (`/dashboard/stack?key=<stack key>`): its status, its
 * recent runs, its incidents and the links the service knows it has to
 * other stacks. Kept up to date from the event stream, like the main page;
 * a run or incident opens on the main page.
 */
import * as r from './render.js';
import { $, draw, enc, getJson, serialised, tokenField } from './api.js';
import { startLive } from './live.js';

const key = new URLSearchParams(location.search).get('key') ?? '';
$('stack-name').textContent = key || 'no stack named';
document.title = `Homeostat: ${key}`;

function section(id, result, what, render) {
  draw(id, result.ok ? result.data : { unavailable: result.why }, () => (result.ok ? render(result.data) : r.unavailable(what, result.why)));
}

async function refresh() {
  if (!key) {
    draw('stack-status', 'none', () => r.unavailable('stack', 'name one: /dashboard/stack?key=<stack key>'));
    return;
  }
  const [stacks, runs, incidents, links] = await Promise.all([
    getJson('/api/stacks'),
    getJson(`/api/runs?limit=50&stack=${enc(key)}`),
    getJson('/api/incidents?limit=200'),
    getJson(`/api/stacks/${enc(key)}/links`),
  ]);
  section('stack-status', stacks, 'stack status', (d) => {
    const mine = d.stacks.filter((s) => s.stackKey === key);
    return mine.length ? r.stacksTable(mine) : r.unavailable(`stack ${key}`, 'the service has no record of it');
  });
  section('stack-runs', runs, 'runs', (d) => r.runsTable(d.runs));
  section('stack-incidents', incidents, 'incidents', (d) => r.incidentsTable(d.incidents.filter((x) => x.incident.stacks.includes(key))));
  section('stack-links', links, 'dependency links', (d) => r.stackLinks(d));
  const reached = stacks.ok;
  $('freshness').textContent = reached ? `updated ${r.clock(new Date())}` : `cannot reach the service (${stacks.why})`;
  $('freshness').className = reached ? 'muted' : 'badge bad';
}

document.addEventListener('click', (ev) => {
  const el = ev.target.closest('[data-action]');
  if (!el) return;
  const { action, id } = el.dataset;
  if (action === 'select-run') location.href = `/dashboard?run=${enc(id)}`;
  else if (action === 'select-incident') location.href = `/dashboard?incident=${enc(id)}`;
});

const tick = serialised(refresh, (err) => ($('freshness').textContent = `page error: ${err.message}`));
// The token field first: the stream's session is asked for with it.
let live;
tokenField(() => live.restart());
live = startLive({ onChange: () => void tick(), onStatus: (status) => draw('live', status, () => r.liveBadge(status)) });
void tick();
