import type { Proposal } from '../../remediations/proposal.ts';

/**
 * A change to a stack that others read (through StackReferences or a
 * declared dependency) reaches them too: it is at least medium risk, so that
 * it is applied without a person only where medium risk is accepted. The
 * evidence names the stacks it reaches.
 */
export function heldForDependents(proposal: Proposal, dependents: readonly string[]): Proposal {
  if (dependents.length === 0) return proposal;
  const shown = dependents.slice(0, 5).join(', ') + (dependents.length > 5 ? ` and ${dependents.length - 5} more` : '');
  const evidence = [...proposal.evidence, `${dependents.length} stack(s) depend on this one: ${shown}`];
  return { ...proposal, risk: proposal.risk === 'low' ? 'medium' : proposal.risk, evidence };
}
