import type { Promotion } from './promotion.ts';

/**
 * An operator's pause and resume. Pause holds every later wave where it is;
 * resume goes on from there, and on a halted promotion it lets the halted
 * wave pass on the operator's word (recorded, with the halt kept for the
 * record). Pure: the route records who, and audits it.
 */
export type ControlResult = { ok: true; promotion: Promotion } | { ok: false; why: string };

export function pausePromotion(p: Promotion, by: string, now: number): ControlResult {
  if (p.state !== 'running') return { ok: false, why: `the promotion of ${p.commit.slice(0, 7)} is ${p.state}, not running` };
  return { ok: true, promotion: { ...p, state: 'paused', paused: { by, at: now }, updatedAt: now } };
}

export function resumePromotion(p: Promotion, by: string, now: number): ControlResult {
  if (p.state === 'paused') {
    const { paused: _paused, ...rest } = p;
    return { ok: true, promotion: { ...rest, state: 'running', updatedAt: now, resumes: [...p.resumes, { by, at: now, note: 'resumed after a pause' }] } };
  }
  if (p.state === 'halted') {
    const waves = p.waves.map((w) => (w.state === 'halted' ? { ...w, state: 'passed' as const, passedAt: now, note: `passed on ${by}'s resume; halted: ${w.note ?? ''}` } : w));
    return { ok: true, promotion: { ...p, waves, state: 'running', updatedAt: now, resumes: [...p.resumes, { by, at: now, note: `resumed after a halt: ${p.halt?.reason ?? ''}` }] } };
  }
  return { ok: false, why: `the promotion of ${p.commit.slice(0, 7)} is ${p.state}: nothing to resume` };
}
