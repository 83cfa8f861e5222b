import { clamp01, countStepRisk, grownValue, round3 } from '../bounds.ts';
import { leadingCause, num, seriesOf } from '../evidence.ts';
import type { Playbook } from '../playbook.ts';
import { configFileOf } from '../playbook.ts';
import type { Proposal } from '../proposal.ts';

/** Growth factor asked for, before the stack's bounds apply: a volume is doubled. */
export const GROW_VOLUME_FACTOR = 2;

/**
 * Saturation of a volume is the leading cause, observed or forecast: the
 * full signal (a `utilisation` or `saturation` signal in percent of the
 * volume, higher is worse) measures a resource an integer `storage` key
 * sizes. Double the key, within its max and maxStepRatio: the same used bytes
 * on a bigger volume are a smaller share of it, and the fill rate in percent
 * drops in proportion. Doubling rather than sizing to the current fill: ahead
 * of time the fill is still low, and a volume grown by too little is forecast
 * to fill up again soon after.
 *
 *   confidence = cause x (0.6 + 0.4 x reach)
 *     reach = ln(achieved factor) / ln(2): 1 when the bounds did not cut the step
 *   risk = low within 2x, medium beyond (ahead of time: at least medium, see runPlaybook)
 */
export const growVolume: Playbook = {
  id: 'grow-volume',
  title: 'Grow volume',
  description: 'When a volume is full or forecast to fill up, raise its storage key (size in GiB) by 1.5-2x, within the bounds and step ratio the stack declares.',
  proactive: true,
  propose(input) {
    const cause = leadingCause(input);
    if (cause?.kind !== 'saturation' || cause.signalId === undefined) return [];
    const { contract } = input.stack;
    const signal = contract.healthSignals.find((s) => s.id === cause.signalId);
    if (!signal || !signal.higherIsWorse || signal.limit === undefined || signal.limit <= 0) return [];
    const key = contract.remediable.find((k) => k.purpose === 'storage' && k.type === 'integer' && k.resource === signal.resource);
    if (!key || key.type !== 'integer') return [];

    const values = seriesOf(input, signal.id)?.points.map((p) => p.value) ?? [];
    const level = values.length > 0 ? values[values.length - 1]! : undefined;
    const wanted = GROW_VOLUME_FACTOR;
    const from = key.current;
    const to = grownValue(key, wanted);
    if (to <= from) return [];
    const achieved = from > 0 ? to / from : wanted;
    const reach = from > 0 ? clamp01(Math.log(achieved) / Math.log(wanted)) : 1;
    const relief = from > 0 ? 1 - from / to : 0.5;

    const now = level === undefined ? '' : `, now ${num(level)} of ${num(signal.limit)}`;
    const proposal: Proposal = {
      kind: 'config-patch',
      playbook: 'grow-volume',
      incidentId: input.incident.id,
      stackKey: input.stack.stackKey,
      file: configFileOf(input.stack),
      changes: [{ key: key.key, from, to }],
      title: `Grow ${key.key} from ${from} to ${to}`,
      expectedEffect: [
        {
          signalId: signal.id,
          direction: 'down',
          relative: round3(relief),
          note: `the same data on a volume ${num(achieved)}x the size${level === undefined ? '' : `: about ${num(level * (from / to))} from ${num(level)}`}`,
        },
      ],
      confidence: round3(clamp01(cause.confidence * (0.6 + 0.4 * reach))),
      risk: countStepRisk(from, to),
      explanation: `${cause.predicted ? `${signal.id} is forecast to reach its limit` : `${signal.id} is near its limit`} (${Math.round(cause.confidence * 100)}%${now}). Growing ${key.key} from ${from} to ${to} gives the data ${num(achieved)}x the room.`,
      evidence: [...cause.evidence],
    };
    return [proposal];
  },
};
