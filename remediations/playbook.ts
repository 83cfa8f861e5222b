import type { Incident } from '../orchestrator/correlate/incident.ts';
import type { Deployment } from '../orchestrator/diagnose/deployment.ts';
import type { ProbableCause } from '../orchestrator/diagnose/probable-cause.ts';
import type { SignalSeries } from '../orchestrator/diagnose/signal-series.ts';
import type { StackContract } from '../stacks/contract.ts';
import type { Proposal } from './proposal.ts';

/** The stack a playbook may change, as the orchestrator knows it. */
export interface PlaybookStack {
  /** `<repo>/<project>/<stack>`, for example `infra/./sandbox`. */
  stackKey: string;
  /** The stack's contract: health signals and remediable keys with their current values and bounds. */
  contract: StackContract;
  /** Repository path of its config file; default `stacks/Pulumi.<stack>.yaml` (see {@link stackConfigFile}). */
  configFile?: string;
}

/** Everything a playbook may look at. All plain data: a playbook does no I/O. */
export interface PlaybookInput {
  incident: Incident;
  /** Ranked probable causes, most confident first (as diagnosis returns them). */
  causes: readonly ProbableCause[];
  /** The stack the proposals would change (usually the incident's first stack). */
  stack: PlaybookStack;
  /** Recent deployments, oldest first, with commit and changes. Default none. */
  deployments?: readonly Deployment[];
  /** Recent values of the stack's health signals, for baselines and trends. Default none. */
  recentValues?: readonly SignalSeries[];
}

/**
 * A remediation playbook: a pure function from an incident and its context
 * to zero or more proposals. It never calls a cloud API; what it returns
 * goes through policy, guardrails and Git like any other change.
 */
export interface Playbook {
  /** Stable kebab-case id, used in commit trailers and track records. */
  id: string;
  /** A few words for lists. */
  title: string;
  /** When it applies and what it changes, in a sentence or two. */
  description: string;
  /**
   * Whether it may act on a predicted incident (a forecast breach, nothing observed yet): its
   * proposals are then proactive, at least medium risk. Default false: it sees observed incidents only.
   */
  proactive?: boolean;
  propose(input: PlaybookInput): Proposal[];
}

/** `stacks/Pulumi.sandbox.yaml` for `infra/./sandbox`: the project's `stackConfigDir` is `stacks`. */
export function stackConfigFile(stackKey: string, stackConfigDir = 'stacks'): string {
  const stack = stackKey.slice(stackKey.lastIndexOf('/') + 1);
  return `${stackConfigDir}/Pulumi.${stack}.yaml`;
}

/** The config file of the input's stack. */
export function configFileOf(stack: PlaybookStack): string {
  return stack.configFile ?? stackConfigFile(stack.stackKey);
}
