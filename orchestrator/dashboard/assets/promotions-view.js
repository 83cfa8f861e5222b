/**
 * The dashboard's promotions: where each change stands in its repository's
 * promotion waves, as `GET /api/promotions` serves it (the same records
 * `homeostat promotions` prints). Pure, like render.js: data in, element
 * descriptions out; every record field goes in as text.
 *
 * The soak's time left is the one thing that moves while no record does, so
 * it is drawn into its own element carrying the soak's end
 * (`data-soak-end`), and the page ticks only that text (`soakLeftText`)
 * instead of redrawing the section, which would swallow a click on a button.
 */
import { h, clock, dateTime, shortCommit } from './markup.js';

/** How a wave's stack stood at the wave's last look, for a person. */
const APPLY_LABEL = { applied: 'applied', pending: 'not applied yet', failed: 'failed to apply', superseded: 'moved on to a newer commit' };
const APPLY_CLASS = { applied: 'good', pending: 'busy', failed: 'bad', superseded: 'warn' };
const STATE_CLASS = { running: 'busy', paused: 'warn', halted: 'bad', done: 'good', waiting: 'muted', applying: 'busy', soaking: 'busy', passed: 'good' };

/** `25 s left`, `1 min 05 s left`, or `soak over` once the end has come. */
export function soakLeftText(endMs, nowMs) {
  const left = Math.ceil((endMs - nowMs) / 1000);
  if (!(left > 0)) return 'soak over';
  if (left < 60) return `${left} s left`;
  return `${Math.floor(left / 60)} min ${String(left % 60).padStart(2, '0')} s left`;
}

/**
 * What a wave shows as its state: the stored state, except that the wave a
 * paused promotion holds shows as paused (a pause freezes it, soak included).
 */
export function waveShownState(promotion, index) {
  const wave = promotion.waves[index];
  const current = promotion.waves.findIndex((w) => w.state !== 'passed');
  return promotion.state === 'paused' && index === current ? 'paused' : wave.state;
}

/** The promotions, newest first, or a line saying there are none. */
export function promotionsList(promotions, nowMs) {
  if (promotions.length === 0) return h('p', { class: 'muted' }, 'no promotions (a repository declares waves under promotion.waves)');
  return h('div', { class: 'promotions' }, promotions.map((p) => promotionCard(p, nowMs)));
}

function promotionCard(p, nowMs) {
  const id = `${p.repo}:${p.commit}`;
  return h(
    'article',
    { class: `promotion state-${p.state}`, 'data-promotion': id },
    h('h3', {}, `${p.repo} @ `, h('span', { class: 'mono', title: p.commit }, shortCommit(p.commit)), ' ', h('span', { class: `badge ${STATE_CLASS[p.state] ?? ''}`, 'data-state': p.state }, p.state)),
    h('p', { class: 'meta' }, `opened ${dateTime(p.createdAt)} · last moved ${dateTime(p.updatedAt)} · soak ${Math.round(p.soakMs / 1000)} s per wave`),
    p.state === 'paused' && p.paused ? h('p', { class: 'paused-by' }, `paused by ${p.paused.by} at ${dateTime(p.paused.at)}`) : null,
    p.halt ? haltLine(p.halt) : null,
    h('ol', { class: 'waves' }, p.waves.map((w, i) => waveItem(p, i, nowMs))),
    p.resumes?.length ? h('ul', { class: 'resumes muted' }, p.resumes.map((r) => h('li', {}, `resumed by ${r.by} at ${dateTime(r.at)}: ${r.note}`))) : null,
    controls(p, id),
  );
}

function haltLine(halt) {
  return h(
    'p',
    { class: 'halt' },
    `halted at wave ${halt.wave} (${clock(halt.at)}): ${halt.reason}`,
    halt.incidentId ? [' · ', h('a', { href: `/dashboard?incident=${encodeURIComponent(halt.incidentId)}#incidents`, 'data-incident': halt.incidentId }, `incident ${halt.incidentId}`)] : null,
  );
}

function waveItem(p, index, nowMs) {
  const w = p.waves[index];
  const shown = waveShownState(p, index);
  return h(
    'li',
    { class: `wave state-${shown}`, 'data-wave': w.name },
    h('strong', {}, w.name),
    ' ',
    h('span', { class: `badge ${STATE_CLASS[shown] ?? ''}`, 'data-state': shown }, shown),
    waveDetail(p, w, shown, nowMs),
    w.stacks.length === 0
      ? h('div', { class: 'muted' }, 'no stack of this wave is changed')
      : h('ul', { class: 'wave-stacks' }, w.stacks.map((k) => stackItem(k, w.applies?.[k]))),
  );
}

function waveDetail(p, w, shown, nowMs) {
  if (shown === 'soaking' && w.soakStartedAt !== undefined) {
    const end = w.soakStartedAt + p.soakMs;
    return h('span', { class: 'wave-note' }, ` since ${clock(w.soakStartedAt)}, ends ${clock(end)}: `, h('span', { class: 'soak-left', 'data-soak-end': end }, soakLeftText(end, nowMs)), w.note ? h('div', { class: 'muted' }, w.note) : null);
  }
  if (shown === 'paused') return h('span', { class: 'wave-note' }, ` held by ${p.paused?.by ?? 'an operator'}${w.note ? `; was: ${w.note}` : ''}`);
  if (shown === 'passed') return h('span', { class: 'wave-note' }, `${w.passedAt !== undefined ? ` at ${clock(w.passedAt)}` : ''}${w.note ? `: ${w.note}` : ''}`);
  if (shown === 'waiting') return h('span', { class: 'wave-note muted' }, ' waits for the waves before it');
  return w.note ? h('span', { class: 'wave-note' }, `: ${w.note}`) : null;
}

function stackItem(stackKey, fact) {
  return h(
    'li',
    { 'data-stack': stackKey, 'data-apply': fact ?? 'unknown' },
    h('a', { href: `/dashboard/stack?key=${encodeURIComponent(stackKey)}` }, stackKey),
    ' ',
    h('span', { class: `badge ${fact ? APPLY_CLASS[fact] : 'muted'}` }, fact ? (APPLY_LABEL[fact] ?? fact) : 'its turn has not come'),
  );
}

/** Pause for a running promotion, resume for a paused or halted one; the service checks the operator role. */
function controls(p, id) {
  const verb = p.state === 'running' ? 'pause' : p.state === 'paused' || p.state === 'halted' ? 'resume' : undefined;
  if (!verb) return null;
  const label = verb === 'pause' ? 'Pause' : p.state === 'halted' ? 'Resume (let the halted wave pass)' : 'Resume';
  return h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', class: `promotion-${verb}`, 'data-action': `promotion-${verb}`, 'data-id': id, 'data-repo': p.repo, 'data-commit': p.commit }, label),
    h('span', { class: 'action-error', 'data-error-for': id }),
  );
}
