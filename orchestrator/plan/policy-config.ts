import { StackContractSchema } from '../../stacks/contract.ts';

export type PolicyConfig = Record<string, Record<string, unknown>>;

/**
 * Policy config for a run of a stack: the step-change policy needs the
 * capacity each resource runs with now, which only the last applied state
 * knows. Taken from the stack's outputs; no baseline when there are none
 * (a first deploy) or they do not parse.
 */
export function policyConfigFor(deployedOutputs: Record<string, unknown> | undefined, base: PolicyConfig = {}): PolicyConfig {
  const parsed = StackContractSchema.safeParse(deployedOutputs?.homeostat);
  if (!parsed.success) return base;
  const baselines: Record<string, number> = {};
  for (const key of parsed.data.remediable) {
    if (key.type === 'integer' && key.purpose === 'capacity' && key.resource) baselines[key.resource] = key.current;
  }
  if (Object.keys(baselines).length === 0) return base;
  const step = base['max-capacity-step'] ?? {};
  return { ...base, 'max-capacity-step': { ...step, baselines: { ...baselines, ...((step.baselines as Record<string, number>) ?? {}) } } };
}
