import type { Promotion, PromotionWave } from './promotion.ts';

/**
 * Moves a promotion on from facts: how each wave's applies of the commit
 * ended, and which incidents are open. Wave by wave, in order: a wave whose
 * applies are all done starts its soak; a soak that saw no new incident on
 * the wave's stacks for the whole window passes (once the detector read
 * its watched signals that far), and the next wave may apply; a failed apply or a new incident halts the promotion, naming the
 * commit. A paused, halted or finished promotion does not move. Pure.
 */

/** How one stack's apply of the commit stands. */
export type ApplyFact = 'pending' | 'applied' | 'failed' | 'superseded';

export interface PromotionFacts {
  /** By stack key; a stack of the promotion without an entry counts as pending. */
  applies: Readonly<Record<string, ApplyFact>>;
  /** Open incidents (detector and alarms, grouped by the correlator): id and the stacks involved. */
  openIncidents: readonly { id: string; stacks: readonly string[] }[];
  /**
   * By stack key, for the stacks whose health signals are watched: up to when the detector has
   * read them (the end of the newest period read, of the series read least far) and the longest
   * period among them. A stack without an entry is not watched. Default: none.
   */
  observed?: Readonly<Record<string, { until: number; periodMs: number }>>;
}

/**
 * Periods past the soak's end a wave waits for its signals to be read: one for the period to
 * end, the rest for the poller's settle and interval. Then it passes, saying they were not read.
 */
const READ_WAIT_PERIODS = 5;

export type PromotionEvent =
  | { kind: 'soak-started'; wave: string }
  | { kind: 'wave-passed'; wave: string }
  | { kind: 'halted'; wave: string; reason: string; incidentId?: string; stackKey?: string }
  | { kind: 'done' };

export interface Advanced {
  promotion: Promotion;
  events: PromotionEvent[];
}

export function advancePromotion(p: Promotion, facts: PromotionFacts, now: number): Advanced {
  if (p.state !== 'running') return { promotion: p, events: [] };
  const waves = p.waves.map((w) => ({ ...w }));
  const events: PromotionEvent[] = [];
  const short = p.commit.slice(0, 7);
  for (let i = 0; i < waves.length; i++) {
    const w = waves[i]!;
    if (w.state === 'passed') continue;
    const step = stepWave(w, facts, now, p.soakMs, short);
    waves[i] = step.wave;
    if (step.event) events.push(step.event);
    if (step.event?.kind === 'halted') {
      const { kind: _kind, ...halt } = step.event;
      return { promotion: { ...p, waves, state: 'halted', updatedAt: now, halt: { ...halt, at: now } }, events };
    }
    if (step.wave.state !== 'passed') return { promotion: { ...p, waves, updatedAt: now }, events };
  }
  events.push({ kind: 'done' });
  return { promotion: { ...p, waves, state: 'done', updatedAt: now }, events };
}

function stepWave(current: PromotionWave, facts: PromotionFacts, now: number, soakMs: number, short: string): { wave: PromotionWave; event?: PromotionEvent } {
  const fact = (k: string) => facts.applies[k] ?? 'pending';
  // Taken when the wave's turn comes, before it applies: an incident that opens while it applies
  // (the detector needs a few points) is as much the change's as one that opens while it soaks.
  const looked = { ...current, applies: Object.fromEntries(current.stacks.map((k) => [k, fact(k)])) };
  const w = looked.baselineAt !== undefined ? looked : { ...looked, baselineAt: now, baseline: facts.openIncidents.filter((inc) => inc.stacks.some((s) => current.stacks.includes(s))).map((i) => i.id).sort() };
  const failed = w.stacks.find((k) => fact(k) === 'failed');
  if (failed) return halt(w, { reason: `${short} failed to apply on ${failed} in wave ${w.name}`, stackKey: failed });
  if (w.stacks.some((k) => fact(k) === 'pending')) return { wave: { ...w, state: 'applying', note: 'applying the change' } };
  const applied = w.stacks.filter((k) => fact(k) === 'applied');
  // Nothing of this wave changed (or each of its stacks moved on to a newer commit): nothing to watch.
  if (applied.length === 0) return { wave: { ...w, state: 'passed', passedAt: now, note: 'no stack of this wave applied the change' }, event: { kind: 'wave-passed', wave: w.name } };
  const touching = facts.openIncidents.filter((inc) => inc.stacks.some((s) => applied.includes(s)));
  if (w.state !== 'soaking' || w.soakStartedAt === undefined) {
    return { wave: { ...w, state: 'soaking', soakStartedAt: now, note: `soaking for ${Math.round(soakMs / 1000)} s` }, event: { kind: 'soak-started', wave: w.name } };
  }
  // Only an incident that opened after the wave's turn came is this change's: one already open was there before it.
  const fresh = touching.find((inc) => !w.baseline.includes(inc.id));
  if (fresh) {
    const stackKey = fresh.stacks.find((s) => applied.includes(s))!;
    return halt(w, { reason: `${short} made wave ${w.name} unhealthy: incident ${fresh.id} on ${stackKey} opened after it applied the change`, incidentId: fresh.id, stackKey });
  }
  if (now - w.soakStartedAt < soakMs) return { wave: w };
  // A metric period ends (and is read) after the soak may have: health is judged on what the detector saw.
  const soakEnd = w.soakStartedAt + soakMs;
  const unread = applied.filter((k) => {
    const o = facts.observed?.[k];
    return o !== undefined && o.until < soakEnd && now < soakEnd + READ_WAIT_PERIODS * o.periodMs;
  });
  if (unread.length > 0) return { wave: { ...w, note: `soaked ${Math.round(soakMs / 1000)} s; waiting for the signals of ${unread.join(', ')} to be read up to the soak's end` } };
  const notRead = applied.filter((k) => (facts.observed?.[k]?.until ?? soakEnd) < soakEnd);
  const healthy = `healthy for ${Math.round(soakMs / 1000)} s after the apply${notRead.length > 0 ? ` (the signals of ${notRead.join(', ')} were not read that far)` : ''}`;
  return { wave: { ...w, state: 'passed', passedAt: now, note: healthy }, event: { kind: 'wave-passed', wave: w.name } };
}

function halt(w: PromotionWave, why: { reason: string; incidentId?: string; stackKey?: string }): { wave: PromotionWave; event: PromotionEvent } {
  return { wave: { ...w, state: 'halted', note: why.reason }, event: { kind: 'halted', wave: w.name, ...why } };
}
