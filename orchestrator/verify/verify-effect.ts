import type { ExpectedEffect } from '../../remediations/proposal.ts';

/**
 * Did a remediation help? For each signal the proposal named, compare its
 * level after the change was applied with its level during the incident and,
 * when known, before it. Pure: the caller passes the values.
 */

/** One named signal's values around the change, oldest first in each list. */
export interface SignalWindow {
  effect: Pick<ExpectedEffect, 'signalId' | 'direction'>;
  /** Values before the incident's onset: the level to return to. May be empty. */
  before: readonly number[];
  /** Values from the onset until the change was applied. */
  during: readonly number[];
  /** Values after the change was applied. */
  after: readonly number[];
}

export type SignalVerdict = 'improved' | 'unchanged' | 'worse' | 'no-data';

export interface SignalCheck {
  signalId: string;
  verdict: SignalVerdict;
  /** Median level before the onset, during the incident and after the change. */
  before?: number;
  during?: number;
  after?: number;
  /** One line for a person. */
  note: string;
}

export interface Verification {
  /** `effective`: something named improved and nothing got worse; otherwise the change did not help. */
  outcome: 'effective' | 'not-effective';
  signals: SignalCheck[];
  summary: string;
}

export interface VerifyOptions {
  /** Share of the way back to the pre-incident level that counts as improved; default 0.5. */
  recoverShare?: number;
  /** Relative move that counts as a change when no pre-incident level is known; default 0.1. */
  relativeChange?: number;
  /** Points after the change that are skipped, as the system settles; default 1. */
  settlePoints?: number;
}

export function median(values: readonly number[]): number | undefined {
  const v = values.filter(Number.isFinite).slice().sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

export function checkSignal(w: SignalWindow, options: VerifyOptions = {}): SignalCheck {
  const recoverShare = options.recoverShare ?? 0.5;
  const relativeChange = options.relativeChange ?? 0.1;
  const settle = options.settlePoints ?? 1;
  const id = w.effect.signalId;
  const after = median(w.after.length > settle ? w.after.slice(settle) : w.after);
  const during = median(w.during);
  const before = median(w.before);
  if (after === undefined || during === undefined) {
    return { signalId: id, verdict: 'no-data', note: `${id}: no values ${after === undefined ? 'after the change' : 'during the incident'}` };
  }
  // Positive `gain` is movement in the expected direction.
  const sign = w.effect.direction === 'down' ? 1 : -1;
  const gain = sign * (during - after);
  const gap = before === undefined ? 0 : sign * (during - before);
  const levels = { ...(before !== undefined ? { before } : {}), during, after };
  const moved = `${fmt(during)} → ${fmt(after)}${before !== undefined ? ` (before the incident ${fmt(before)})` : ''}`;
  // Measured against the way back when the incident moved the signal; else against its own size.
  // Half the way back when the incident moved the signal, and never less than a 10% move: a
  // signal the incident barely moved does not "improve" on noise.
  const needed = Math.max(gap > 0 ? recoverShare * gap : 0, relativeChange * (Math.abs(during) || 1));
  if (gain >= needed) return { signalId: id, verdict: 'improved', ...levels, note: `${id} improved: ${moved}` };
  if (-gain >= relativeChange * (Math.abs(during) || 1)) return { signalId: id, verdict: 'worse', ...levels, note: `${id} got worse: ${moved}` };
  return { signalId: id, verdict: 'unchanged', ...levels, note: `${id} did not recover enough: ${moved}` };
}

/**
 * The verdict on a whole change: effective when its primary signal (the
 * first named: the one the change is aimed at) improved and none got worse.
 * The other signals are expected to follow, and only count against it.
 */
export function verifyEffect(windows: readonly SignalWindow[], options: VerifyOptions = {}): Verification {
  const signals = windows.map((w) => checkSignal(w, options));
  const worse = signals.filter((s) => s.verdict === 'worse');
  const outcome = signals[0]?.verdict === 'improved' && worse.length === 0 ? 'effective' : 'not-effective';
  const summary =
    signals.length === 0
      ? 'no signal was named to verify'
      : `${outcome === 'effective' ? 'effective' : 'not effective'}: ${signals.map((s) => s.note).join('; ')}`;
  return { outcome, signals, summary };
}
