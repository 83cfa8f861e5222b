import type { AlarmState } from './alarm-state.ts';
import { isAnomalous } from './anomaly-signal.ts';
import type { AnomalySignal } from './anomaly-signal.ts';
import { cmp, compareInputs, inputTime, type CorrelationInput } from './correlation-input.ts';
import { incidentId } from './incident.ts';
import type { Incident, IncidentEvent } from './incident.ts';
import type { PredictedBreach } from './predicted-breach.ts';
import { areLinked } from './topology.ts';
import { resolveTrackerOptions } from './tracker-options.ts';
import type { ResolvedTrackerOptions, TrackerOptions } from './tracker-options.ts';
import type { TrackerState } from './tracker-state.ts';

/**
 * The incident tracker: a pure, incremental fold of anomalies and alarm
 * states into incidents.
 *
 * Rules, in the order `step` applies them:
 * 1. Inputs of a batch are processed in signal-time order (ties broken by
 *    content), so the result does not depend on the order they arrived in.
 * 2. Before each input, incidents whose signals have all been normal for the
 *    quiet period resolve, at `lastAbnormalAt + quietMs` (so the resolution
 *    time does not depend on how inputs were batched).
 * 3. An abnormal input (a point with `score >= threshold`, or an alarm in
 *    ALARM) joins an open incident when its stack is already in it, or when
 *    its stack is linked (`dependsOn`, either way) to a member and it turned
 *    abnormal within the window of the incident's onset or of that member's
 *    latest abnormal time. Of several candidates, the earliest onset wins.
 * 4. Otherwise it is dropped when a remembered resolved incident already
 *    covered its stack and time (a redelivery), or when it is older than the
 *    quiet period (it could only open an incident that is already over);
 *    else it opens an incident, whose id is `<stack>@<onset bucket>`.
 * 5. A point is counted once: a series' point inside its recorded span is a
 *    duplicate. An alarm state counts when newer than the last one recorded.
 *    Normal points and OK alarms never open anything; an alarm leaving ALARM
 *    marks the time its incident's quiet period starts from.
 * 6. A predicted breach (a forecast that a saturating signal reaches its
 *    limit within the horizon) refreshes the open incident that already
 *    holds a prediction of its series (never a second incident for it);
 *    else it joins an open incident as rule 3 finds one, or opens a new
 *    incident marked `predicted`. Each refresh counts as abnormal at its
 *    time, so a predicted incident resolves once the forecast has stopped
 *    predicting the breach for the quiet period. Observed anomalies and
 *    alarms of the stack later join it by rule 3, and its predictions stay
 *    on record (the warning's lead time).
 */

export interface StepResult {
  state: TrackerState;
  /** Per incident touched, in the order first touched: `opened` or `updated`, then `resolved` if it ended. */
  incidentEvents: IncidentEvent[];
  /** Inputs that changed nothing (normal points, duplicates, redeliveries, stale points). */
  ignored: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Short number for people: up to 3 decimals, no trailing zeros. */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
}

interface Touch {
  opened: boolean;
  changes: string[];
  resolved?: { incident: Incident; reason: string };
}

/** Latest abnormal time of `stackKey` within the incident, or undefined if it is not a member. */
function memberLastAbnormal(inc: Incident, stackKey: string): number | undefined {
  let last: number | undefined;
  for (const s of inc.signals) if (s.stackKey === stackKey) last = Math.max(last ?? s.lastAt, s.lastAt);
  // An alarm was abnormal at least until its latest state change (in ALARM, or leaving it).
  for (const a of inc.alarms) if (a.stackKey === stackKey) last = Math.max(last ?? a.stateAt, a.stateAt);
  return last;
}

/**
 * Folds a batch of inputs into the tracker state at signal time `now`.
 * Pure: the given state is not changed; the same state, inputs and `now`
 * always give the same result.
 */
export function step(state: TrackerState, events: readonly CorrelationInput[], now: number, options: TrackerOptions = {}): StepResult {
  const o = resolveTrackerOptions(options);
  const s: TrackerState = structuredClone(state);
  const touched = new Map<string, Touch>();
  let ignored = 0;

  const touch = (id: string): Touch => {
    let t = touched.get(id);
    if (!t) {
      t = { opened: false, changes: [] };
      touched.set(id, t);
    }
    return t;
  };

  const resolve = (inc: Incident, at: number, reason: string): void => {
    inc.status = 'resolved';
    inc.resolvedAt = at;
    s.open = s.open.filter((x) => x !== inc);
    s.recent.push({ id: inc.id, stacks: [...inc.stacks], onsetAt: inc.onsetAt, resolvedAt: at });
    if (s.recent.length > o.maxRecentResolved) s.recent.splice(0, s.recent.length - o.maxRecentResolved);
    touch(inc.id).resolved = { incident: inc, reason };
  };

  const resolveQuiet = (t: number): void => {
    // Oldest first, so the recent list stays in resolution order.
    const due = s.open
      .filter((inc) => !inc.alarms.some((a) => a.state === 'ALARM') && t - inc.lastAbnormalAt >= o.quietMs)
      .sort((a, b) => a.lastAbnormalAt - b.lastAbnormalAt || cmp(a.id, b.id));
    for (const inc of due) resolve(inc, inc.lastAbnormalAt + o.quietMs, `all signals normal for ${o.quietMs / 60_000} min`);
  };

  const advance = (t: number): void => {
    if (s.clock === null || t > s.clock) {
      resolveQuiet(t);
      s.clock = t;
    }
  };

  for (const ev of [...events].sort(compareInputs)) {
    advance(inputTime(ev));
    const changed =
      ev.kind === 'anomaly' ? applyAnomaly(s, ev.anomaly, o, touch) : ev.kind === 'alarm' ? applyAlarm(s, ev.alarm, o, touch) : applyPrediction(s, ev.prediction, o, touch);
    if (!changed) ignored++;
  }
  advance(now);

  // Keep the state bounded: past the cap, the incident quiet the longest ends early; among equals,
  // the newest and smallest, so a burst of blips does not push out a long-running incident.
  while (s.open.length > o.maxOpenIncidents) {
    const oldest = [...s.open].sort(
      (a, b) =>
        a.lastAbnormalAt - b.lastAbnormalAt ||
        b.onsetAt - a.onsetAt ||
        a.signals.length + a.alarms.length - (b.signals.length + b.alarms.length) ||
        cmp(b.id, a.id),
    )[0]!;
    resolve(oldest, s.clock ?? now, `resolved early: more than ${o.maxOpenIncidents} open incidents`);
  }

  const incidentEvents: IncidentEvent[] = [];
  const byId = new Map(s.open.map((inc) => [inc.id, inc]));
  for (const [id, t] of touched) {
    const inc = t.resolved?.incident ?? byId.get(id);
    if (!inc) continue;
    const snapshot = structuredClone(inc);
    if (t.opened) incidentEvents.push({ type: 'opened', incidentId: id, at: inc.onsetAt, changes: t.changes, incident: snapshot });
    else if (t.changes.length > 0) incidentEvents.push({ type: 'updated', incidentId: id, at: inc.updatedAt, changes: t.changes, incident: snapshot });
    if (t.resolved) incidentEvents.push({ type: 'resolved', incidentId: id, at: inc.resolvedAt ?? inc.updatedAt, changes: [t.resolved.reason], incident: snapshot });
  }
  return { state: s, incidentEvents, ignored };
}

type TouchFn = (id: string) => Touch;

/** The open incident an abnormal input of `stackKey` at `t` belongs to, if any (rule 3). */
function findOpen(s: TrackerState, stackKey: string, t: number, o: ResolvedTrackerOptions): Incident | undefined {
  const candidates = s.open.filter((inc) => {
    if (t < inc.onsetAt - o.windowMs) return false;
    if (inc.stacks.includes(stackKey)) return true;
    if (Math.abs(t - inc.onsetAt) <= o.windowMs && inc.stacks.some((m) => areLinked(o.topology, m, stackKey))) return true;
    return inc.stacks.some((m) => {
      if (!areLinked(o.topology, m, stackKey)) return false;
      const last = memberLastAbnormal(inc, m);
      return last !== undefined && Math.abs(t - last) <= o.windowMs;
    });
  });
  return candidates.sort((a, b) => a.onsetAt - b.onsetAt || cmp(a.id, b.id))[0];
}

/** Rule 4: whether an abnormal input that joins nothing should be dropped rather than open an incident. */
function alreadyCovered(s: TrackerState, stackKey: string, t: number, o: ResolvedTrackerOptions): boolean {
  if (s.recent.some((r) => r.stacks.includes(stackKey) && t >= r.onsetAt - o.windowMs && t <= r.resolvedAt)) return true;
  return s.clock !== null && t + o.quietMs <= s.clock;
}

function openIncident(s: TrackerState, stackKey: string, t: number, o: ResolvedTrackerOptions, touch: TouchFn, predicted = false): Incident {
  const base = incidentId(stackKey, t, o.windowMs);
  const taken = new Set([...s.open.map((i) => i.id), ...s.recent.map((r) => r.id)]);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}~${n}`;
  const inc: Incident = {
    id,
    status: 'open',
    stackKey,
    stacks: [stackKey],
    onsetAt: t,
    updatedAt: t,
    lastAbnormalAt: t,
    signals: [],
    alarms: [],
    ...(predicted ? { predicted: true, predictions: [] } : {}),
    evidence: [],
    omitted: 0,
  };
  s.open.push(inc);
  touch(id).opened = true;
  return inc;
}

/** Adds `stackKey` to the incident if there is room; false when the incident is full of stacks. */
function admitStack(inc: Incident, stackKey: string, o: ResolvedTrackerOptions): boolean {
  if (inc.stacks.includes(stackKey)) return true;
  if (inc.stacks.length >= o.maxStacksPerIncident) return false;
  inc.stacks.push(stackKey);
  return true;
}

function note(inc: Incident, line: string, o: ResolvedTrackerOptions, touch: TouchFn): void {
  touch(inc.id).changes.push(line);
  if (inc.evidence.length < o.maxEvidenceLines) inc.evidence.push(line);
  else inc.omitted++;
}

function markAbnormal(inc: Incident, t: number): void {
  inc.lastAbnormalAt = Math.max(inc.lastAbnormalAt, t);
  inc.updatedAt = Math.max(inc.updatedAt, t);
  if (t < inc.onsetAt) inc.onsetAt = t;
}

/** Returns whether the anomaly changed anything. */
function applyAnomaly(s: TrackerState, a: AnomalySignal, o: ResolvedTrackerOptions, touch: TouchFn): boolean {
  if (!isAnomalous(a)) return false;
  const t = a.timestamp;
  let inc = findOpen(s, a.stackKey, t, o);
  if (!inc) {
    if (alreadyCovered(s, a.stackKey, t, o)) return false;
    inc = openIncident(s, a.stackKey, t, o, touch);
  }
  const sig = inc.signals.find((x) => x.seriesId === a.seriesId);
  if (sig) {
    // Each point once: anything inside the recorded span is a redelivery.
    if (t >= sig.firstAt && t <= sig.lastAt) return false;
    if (t < sig.firstAt) {
      sig.firstAt = t;
      sig.firstValue = a.value;
    } else {
      sig.lastAt = t;
      sig.lastValue = a.value;
    }
    sig.points++;
    if (a.score > sig.peakScore) {
      sig.peakScore = a.score;
      sig.peakValue = a.value;
    }
    markAbnormal(inc, t);
    return true;
  }
  if (!admitStack(inc, a.stackKey, o) || inc.signals.length >= o.maxSignalsPerIncident) {
    inc.omitted++;
    markAbnormal(inc, t);
    return true;
  }
  inc.signals.push({
    seriesId: a.seriesId,
    stackKey: a.stackKey,
    signalId: a.signalId,
    ...(a.role === undefined ? {} : { role: a.role }),
    firstAt: t,
    lastAt: t,
    points: 1,
    firstValue: a.value,
    lastValue: a.value,
    peakValue: a.value,
    peakScore: a.score,
    threshold: a.threshold,
  });
  markAbnormal(inc, t);
  note(inc, `${iso(t)} ${a.stackKey} ${a.signalId}${a.role === undefined ? '' : ` (${a.role})`} anomalous: value ${formatValue(a.value)}, score ${a.score.toFixed(2)} >= ${formatValue(a.threshold)}`, o, touch);
  return true;
}

/** Returns whether the alarm state changed anything. */
function applyAlarm(s: TrackerState, a: AlarmState, o: ResolvedTrackerOptions, touch: TouchFn): boolean {
  const t = a.timestamp;
  const holder = s.open.find((inc) => inc.alarms.some((x) => x.stackKey === a.stackKey && x.alarmName === a.alarmName));
  const known = holder?.alarms.find((x) => x.stackKey === a.stackKey && x.alarmName === a.alarmName);
  if (holder && known) {
    if (t <= known.stateAt || a.state === known.state) return false;
    const wasAlarm = known.state === 'ALARM';
    known.state = a.state;
    known.stateAt = t;
    if (wasAlarm) holder.lastAbnormalAt = Math.max(holder.lastAbnormalAt, t);
    holder.updatedAt = Math.max(holder.updatedAt, t);
    note(holder, `${iso(t)} ${a.stackKey} alarm ${a.alarmName} ${a.state}`, o, touch);
    return true;
  }
  // Only ALARM opens or joins; OK or missing data about an alarm no incident holds says nothing new.
  if (a.state !== 'ALARM') return false;
  let inc = findOpen(s, a.stackKey, t, o);
  if (!inc) {
    if (alreadyCovered(s, a.stackKey, t, o)) return false;
    inc = openIncident(s, a.stackKey, t, o, touch);
  }
  if (!admitStack(inc, a.stackKey, o) || inc.alarms.length >= o.maxAlarmsPerIncident) {
    inc.omitted++;
    markAbnormal(inc, t);
    return true;
  }
  inc.alarms.push({ stackKey: a.stackKey, alarmName: a.alarmName, state: 'ALARM', firstAlarmAt: t, stateAt: t });
  markAbnormal(inc, t);
  note(inc, `${iso(t)} ${a.stackKey} alarm ${a.alarmName} ALARM`, o, touch);
  return true;
}

/**
 * Ends an open incident on purpose: a remediation was verified as having
 * helped, so the incident is over without waiting for its quiet period.
 * Returns the new state and the `resolved` event, or no event when the
 * incident is not open. Pure.
 */
export function closeIncident(state: TrackerState, id: string, at: number, reason: string, options: TrackerOptions = {}): { state: TrackerState; event?: IncidentEvent } {
  const o = resolveTrackerOptions(options);
  const inc = state.open.find((x) => x.id === id);
  if (!inc) return { state };
  const s: TrackerState = structuredClone(state);
  const closed = s.open.find((x) => x.id === id)!;
  closed.status = 'resolved';
  closed.resolvedAt = Math.max(at, closed.lastAbnormalAt);
  s.open = s.open.filter((x) => x.id !== id);
  s.recent.push({ id, stacks: [...closed.stacks], onsetAt: closed.onsetAt, resolvedAt: closed.resolvedAt });
  if (s.recent.length > o.maxRecentResolved) s.recent.splice(0, s.recent.length - o.maxRecentResolved);
  return { state: s, event: { type: 'resolved', incidentId: id, at: closed.resolvedAt, changes: [reason], incident: structuredClone(closed) } };
}

function minutes(ms: number): string {
  return `${formatValue(Math.round(ms / 6_000) / 10)} min`;
}

/** Returns whether the predicted breach changed anything (rule 6). */
function applyPrediction(s: TrackerState, p: PredictedBreach, o: ResolvedTrackerOptions, touch: TouchFn): boolean {
  const t = p.timestamp;
  const holder = s.open.find((inc) => inc.predictions?.some((x) => x.seriesId === p.seriesId));
  const known = holder?.predictions?.find((x) => x.seriesId === p.seriesId);
  if (holder && known) {
    // Each point once: a prediction at or before the latest one recorded is a redelivery.
    if (t <= known.lastPredictedAt) return false;
    known.lastPredictedAt = t;
    known.timeToBreachMs = p.timeToBreachMs;
    known.interval = { ...p.interval };
    known.breachAt = t + p.timeToBreachMs;
    known.confidence = p.confidence;
    known.lastValue = p.value;
    known.horizonMs = p.horizonMs;
    known.summary = p.summary;
    known.points++;
    // Still predicted: the incident stays open (no evidence line: the first prediction said it).
    markAbnormal(holder, t);
    return true;
  }
  let inc = findOpen(s, p.stackKey, t, o);
  if (!inc) {
    if (alreadyCovered(s, p.stackKey, t, o)) return false;
    inc = openIncident(s, p.stackKey, t, o, touch, true);
  }
  const predictions = inc.predictions ?? [];
  if (!admitStack(inc, p.stackKey, o) || predictions.length >= o.maxSignalsPerIncident) {
    inc.omitted++;
    markAbnormal(inc, t);
    return true;
  }
  predictions.push({
    seriesId: p.seriesId,
    stackKey: p.stackKey,
    signalId: p.signalId,
    role: p.role,
    limit: p.limit,
    direction: p.direction,
    firstPredictedAt: t,
    firstTimeToBreachMs: p.timeToBreachMs,
    firstInterval: { ...p.interval },
    lastPredictedAt: t,
    timeToBreachMs: p.timeToBreachMs,
    interval: { ...p.interval },
    breachAt: t + p.timeToBreachMs,
    confidence: p.confidence,
    lastValue: p.value,
    horizonMs: p.horizonMs,
    points: 1,
    summary: p.summary,
  });
  inc.predictions = predictions;
  markAbnormal(inc, t);
  note(
    inc,
    `${iso(t)} ${p.stackKey} ${p.signalId} (${p.role}) predicted to reach its limit ${formatValue(p.limit)} in ${minutes(p.timeToBreachMs)} (${minutes(p.interval.earliestMs)} to ${minutes(p.interval.latestMs)}), from ${formatValue(p.value)}; ${Math.round(p.confidence * 100)}% confident within ${minutes(p.horizonMs)}`,
    o,
    touch,
  );
  return true;
}
