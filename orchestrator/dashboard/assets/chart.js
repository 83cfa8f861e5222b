/**
 * The incident chart, pure: one signal's values as a line, the detector's
 * anomaly score as a second line on a 0–1 scale with its threshold, the
 * first, peak and last anomalous points, and a vertical mark at the moment
 * of each action taken about the incident.
 */
import { h, clock, num, toMs } from './markup.js';

/** Which action a remediation step is, for its mark; steps that are no action (still looking, nothing to do) have none. */
const ACTION_OF_STATE = {
  checking: 'proposal',
  review: 'proposal',
  approved: 'approve',
  committed: 'commit',
  verifying: 'apply',
  effective: 'verify',
  escalated: 'verify',
  'rolled-back': 'revert',
  rejected: 'reject',
  failed: 'fail',
};

/** One mark per remediation step that is an action (proposal, commit, apply, verify, revert…): "the moment of each action". */
export function actionMarkers(remediations) {
  return remediations.flatMap((r) =>
    (r.events ?? [])
      .filter((e) => ACTION_OF_STATE[e.state])
      .map((e) => ({ t: toMs(e.at), kind: ACTION_OF_STATE[e.state], label: `${r.playbook}: ${e.state}${e.message ? ` — ${e.message}` : ''}` }))
      .filter((m) => Number.isFinite(m.t)),
  );
}

const f = (n) => n.toFixed(1);

/** `M x,y L x,y …` through the points. */
function pathOf(points, x, y) {
  return points.map((p, k) => `${k === 0 ? 'M' : 'L'}${f(x(p.t))},${f(y(p.v))}`).join(' ');
}

/**
 * An inline SVG chart of one signal: its values as a line (left scale), its
 * anomaly score as a line on a 0–1 scale (right) with the detector's
 * threshold dashed and the incident's anomalous points as dots, and a
 * vertical line, labelled, at each action marker.
 */
export function chart(series, markers = [], size = {}) {
  const width = size.width ?? 640;
  const height = size.height ?? 200;
  const m = { left: 48, right: 36, top: 22, bottom: 22 };
  const points = (series.points ?? []).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
  const scores = (series.scores ?? []).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.s));
  const anomalies = (series.anomalies ?? []).filter((a) => Number.isFinite(a.t) && Number.isFinite(a.score));
  const times = [...points.map((p) => p.t), ...scores.map((p) => p.t), ...anomalies.map((a) => a.t), ...markers.map((k) => k.t)];
  if (times.length === 0) return h('p', { class: 'muted' }, 'no recent values');
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  if (t1 === t0) [t0, t1] = [t0 - 60_000, t1 + 60_000];
  const values = points.map((p) => p.v);
  let v0 = values.length ? Math.min(...values) : 0;
  let v1 = values.length ? Math.max(...values) : 1;
  if (v1 === v0) [v0, v1] = [v0 - 1, v1 + 1];
  const w = width - m.left - m.right;
  const hgt = height - m.top - m.bottom;
  const x = (t) => m.left + ((t - t0) / (t1 - t0)) * w;
  const yv = (v) => m.top + (1 - (v - v0) / (v1 - v0)) * hgt;
  const ys = (s) => m.top + (1 - Math.min(1, Math.max(0, s))) * hgt;
  const line = pathOf(points, x, yv);
  const scoreLine = pathOf(scores.map((p) => ({ t: p.t, v: p.s })), x, ys);
  return h(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `${series.signalId} and its anomaly score` },
    h('rect', { class: 'plot', x: m.left, y: m.top, width: w, height: hgt }),
    h('text', { class: 'axis', x: m.left - 4, y: m.top + 8, 'text-anchor': 'end' }, num(v1)),
    h('text', { class: 'axis', x: m.left - 4, y: m.top + hgt, 'text-anchor': 'end' }, num(v0)),
    h('text', { class: 'axis score-axis', x: width - m.right + 4, y: m.top + 8 }, '1'),
    h('text', { class: 'axis score-axis', x: width - m.right + 4, y: m.top + hgt }, '0'),
    h('text', { class: 'axis', x: m.left, y: height - 6 }, clock(t0)),
    h('text', { class: 'axis', x: width - m.right, y: height - 6, 'text-anchor': 'end' }, clock(t1)),
    Number.isFinite(series.threshold)
      ? h('line', { class: 'threshold', x1: m.left, x2: m.left + w, y1: f(ys(series.threshold)), y2: f(ys(series.threshold)) }, h('title', {}, `threshold ${num(series.threshold)}`))
      : null,
    line ? h('path', { class: 'sig-line', d: line }, h('title', {}, series.signalId)) : null,
    scoreLine ? h('path', { class: 'score-line', d: scoreLine }, h('title', {}, `anomaly score (${scores.length} points)`)) : null,
    anomalies.map((a) =>
      h('circle', { class: 'anomaly', cx: f(x(a.t)), cy: f(ys(a.score)), r: 3 }, h('title', {}, `${clock(a.t)} score ${num(a.score)}${a.kind ? ` (${a.kind})` : ''}`)),
    ),
    markers.map((k) => [
      h('line', { class: `marker action-${k.kind ?? 'other'}`, 'data-action-kind': k.kind ?? 'other', x1: f(x(k.t)), x2: f(x(k.t)), y1: m.top, y2: m.top + hgt }, h('title', {}, `${clock(k.t)} ${k.label}`)),
      h('text', { class: `marker-label action-${k.kind ?? 'other'}`, x: f(x(k.t)), y: m.top - 6, 'text-anchor': 'middle' }, k.kind ?? ''),
    ]),
  );
}
