import type { Promotion } from './promotion.ts';

/**
 * May a stack of wave `index` apply the promotion's commit now? The first
 * wave always may: that is where a change enters. A later one only when
 * every wave before it passed, and the promotion is neither paused nor
 * halted. Pure.
 */
export type PromotionGateDecision = { go: true } | { go: false; why: string };

export function promotionGate(p: Promotion | undefined, index: number): PromotionGateDecision {
  if (index === 0 || p === undefined) return { go: true };
  const short = p.commit.slice(0, 7);
  const before = p.waves.slice(0, index);
  if (before.every((w) => w.state === 'passed')) return { go: true };
  if (p.state === 'halted') return { go: false, why: `promotion of ${short} halted: ${p.halt?.reason ?? 'unhealthy'}; an operator may resume it` };
  if (p.state === 'paused') return { go: false, why: `promotion of ${short} paused by ${p.paused?.by ?? 'an operator'}` };
  const open = before.find((w) => w.state !== 'passed')!;
  return { go: false, why: `waiting for wave ${open.name} (${open.state})` };
}
