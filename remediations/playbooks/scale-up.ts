import { clamp01, ladderStepRisk, nextOnLadder, remediableKey, round3 } from '../bounds.ts';
import { fullestSignal, leadingCause, num, storageSized } from '../evidence.ts';
import type { Playbook } from '../playbook.ts';
import { configFileOf } from '../playbook.ts';
import type { Proposal } from '../proposal.ts';

/** Fill at which a limit counts as hit. */
export const SCALE_UP_HIT_FILL = 0.9;

/**
 * Saturation is the leading cause, a capacity signal is at 90% or more of
 * its limit and capacity is already at its max (or the stack has no
 * capacity key to raise): move the size key one rung up its ladder.
 *
 *   confidence = cause x (0.7 + 0.3 x how far past 90% the fill is, full at 100%)
 *   risk = medium (a new size replaces instances)
 */
export const scaleUp: Playbook = {
  id: 'scale-up',
  title: 'Scale up',
  description: 'When a resource limit is hit with capacity already at its max, move the instance size or type one step up the ladder the stack declares.',
  propose(input) {
    const cause = leadingCause(input);
    if (cause?.kind !== 'saturation') return [];
    // A filling volume needs room, not a larger instance (grow-volume).
    if (storageSized(input.stack.contract, cause.signalId)) return [];
    const capacity = remediableKey(input.stack.contract, 'capacity', 'integer');
    if (capacity && capacity.current < capacity.max) return [];
    const size = remediableKey(input.stack.contract, 'size', 'enum');
    if (!size) return [];
    const to = nextOnLadder(size);
    if (to === undefined) return [];
    const fullest = fullestSignal(input);
    if (!fullest || fullest.fill < SCALE_UP_HIT_FILL) return [];

    const past = clamp01((fullest.fill - SCALE_UP_HIT_FILL) / (1 - SCALE_UP_HIT_FILL));
    const atMax = capacity ? `${capacity.key} is already at its max of ${capacity.max}` : 'the stack has no capacity key to raise';
    const proposal: Proposal = {
      kind: 'config-patch',
      playbook: 'scale-up',
      incidentId: input.incident.id,
      stackKey: input.stack.stackKey,
      file: configFileOf(input.stack),
      changes: [{ key: size.key, from: size.current, to }],
      title: `Scale up ${size.key} from ${size.current} to ${to}`,
      expectedEffect: [
        {
          signalId: fullest.signal.id,
          direction: 'down',
          relative: 0.5,
          note: `assuming ${to} serves about twice what ${size.current} does (ladders usually double per step); from ${num(fullest.level)}`,
        },
      ],
      confidence: round3(clamp01(cause.confidence * (0.7 + 0.3 * past))),
      risk: ladderStepRisk(1),
      explanation: `Saturation is the most likely cause (${Math.round(cause.confidence * 100)}%): ${fullest.signal.id} reached ${Math.round(fullest.fill * 100)}% of its limit and ${atMax}. A larger size, ${to} instead of ${size.current}, gives each instance more room.`,
      evidence: [...cause.evidence],
    };
    return [proposal];
  },
};
