import { clamp01, countStepRisk, grownValue, remediableKey, round3 } from '../bounds.ts';
import { fullestSignal, leadingCause, num, storageSized } from '../evidence.ts';
import type { Playbook } from '../playbook.ts';
import { configFileOf } from '../playbook.ts';
import type { ExpectedEffect, Proposal } from '../proposal.ts';

/** Utilisation the new capacity aims at: the fullest signal's fill is brought down toward it. */
export const SCALE_OUT_TARGET_FILL = 0.6;
/** Smallest and largest growth factor asked for, before the stack's bounds apply. */
export const SCALE_OUT_MIN_FACTOR = 1.5;
export const SCALE_OUT_MAX_FACTOR = 2;

/**
 * Saturation is the leading cause and the stack has an integer capacity key
 * with room left: grow it by fill / 0.6, kept between 1.5x and 2x, then
 * within the key's max and maxStepRatio. Not when the full signal is of a
 * resource a `storage` key sizes (a filling disk needs room, not instances:
 * grow-volume). Also ahead of time, on a forecast breach (proactive).
 *
 * The fill is the fullest signal's level during the incident; ahead of time,
 * not yet near the limit, it asks for the smallest step (1.5x).
 *
 *   confidence = cause x (0.6 + 0.4 x reach) x (1 without a measured fill: 0.85)
 *     reach = ln(achieved factor) / ln(wanted factor): 1 when the bounds did not cut the step
 *   risk = low within 2x, medium beyond
 */
export const scaleOut: Playbook = {
  id: 'scale-out',
  title: 'Scale out',
  description: 'When saturation is the leading cause (or forecast within the horizon), raise the capacity key (instances, replicas) by 1.5-2x, within the bounds and step ratio the stack declares.',
  proactive: true,
  propose(input) {
    const cause = leadingCause(input);
    if (cause?.kind !== 'saturation') return [];
    if (storageSized(input.stack.contract, cause.signalId)) return [];
    const key = remediableKey(input.stack.contract, 'capacity', 'integer');
    if (!key) return [];
    const fullest = fullestSignal(input);
    const wanted = fullest ? Math.min(SCALE_OUT_MAX_FACTOR, Math.max(SCALE_OUT_MIN_FACTOR, fullest.fill / SCALE_OUT_TARGET_FILL)) : SCALE_OUT_MIN_FACTOR;
    const from = key.current;
    const to = grownValue(key, wanted);
    if (to <= from) return [];

    const achieved = from > 0 ? to / from : wanted;
    const reach = from > 0 ? clamp01(Math.log(achieved) / Math.log(wanted)) : 1;
    const confidence = round3(clamp01(cause.confidence * (0.6 + 0.4 * reach) * (fullest ? 1 : 0.85)));
    const relief = from > 0 ? 1 - from / to : 0.5;

    const expectedEffect: ExpectedEffect[] = [];
    if (fullest) {
      expectedEffect.push({
        signalId: fullest.signal.id,
        direction: 'down',
        relative: round3(relief),
        note: `the same load over ${to} instead of ${from}: about ${num(fullest.level * (from > 0 ? from / to : 0.5))} from ${num(fullest.level)}`,
      });
    }
    for (const s of input.stack.contract.healthSignals.filter((h) => h.role === 'latency' && h.higherIsWorse)) {
      expectedEffect.push({ signalId: s.id, direction: 'down', relative: round3(relief / 2), note: 'latency usually eases with utilisation; rough' });
    }

    const why = cause.predicted
      ? `${cause.signalId ?? 'a capacity signal'} is forecast to reach its limit (${cause.evidence[0] ?? 'see the forecast'})`
      : fullest
        ? `${fullest.signal.id} reached ${Math.round(fullest.fill * 100)}% of its limit`
        : 'the stack is saturated';
    const capped = to < Math.ceil(from * wanted) ? ` (${num(wanted)}x wanted; the stack allows at most ${key.max} and ${key.maxStepRatio}x per step)` : '';
    const proposal: Proposal = {
      kind: 'config-patch',
      playbook: 'scale-out',
      incidentId: input.incident.id,
      stackKey: input.stack.stackKey,
      file: configFileOf(input.stack),
      changes: [{ key: key.key, from, to }],
      title: `Scale out ${key.key} from ${from} to ${to}`,
      expectedEffect,
      confidence,
      risk: countStepRisk(from, to),
      explanation: `${cause.predicted ? 'Saturation is forecast' : 'Saturation is the most likely cause'} (${Math.round(cause.confidence * 100)}%): ${why}. Raising ${key.key} from ${from} to ${to}${capped} spreads the load over more instances.`,
      evidence: [...cause.evidence],
    };
    return [proposal];
  },
};
