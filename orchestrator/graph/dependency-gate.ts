import { describeCycle, type StackGraph } from './stack-graph.ts';

/**
 * Whether a stack's apply may start now, given the stacks it depends on (in
 * the manner of Flux's `dependsOn`): not while one of them has an apply of
 * its own queued or running, and not while one of them is failing. Pure: the
 * deploy worker brings the dependencies' state.
 */
export interface DependencyState {
  stackKey: string;
  /** An apply of it is queued, delayed or running. */
  pending: boolean;
  /** Its last apply succeeded (its status is Ready). */
  ready: boolean;
  /** Why it is not ready, when its last apply failed: `<reason>: <message>`. */
  failure?: string;
}

export type GateDecision =
  | { go: true }
  /** Comes back shortly: a dependency is being applied first. */
  | { go: false; wait: string[] }
  /** Comes back later: a dependency failed, or the stack is on a cycle; `why` names it. */
  | { go: false; blocked: string };

export function dependencyGate(stackKey: string, graph: Pick<StackGraph, 'cycle'>, dependencies: readonly DependencyState[]): GateDecision {
  // On a cycle no stack can go first: refused, naming the cycle, until someone breaks it.
  if (graph.cycle?.includes(stackKey)) return { go: false, blocked: `on a cycle of dependencies: ${describeCycle(graph.cycle)}` };
  const pending = dependencies.filter((d) => d.pending).map((d) => d.stackKey);
  // A dependency under way may fix what failed: wait for it before judging.
  if (pending.length > 0) return { go: false, wait: pending };
  const failed = dependencies.filter((d) => !d.ready && d.failure);
  if (failed.length > 0) return { go: false, blocked: failed.map((d) => `${d.stackKey} failed (${d.failure})`).join('; ') };
  return { go: true };
}
