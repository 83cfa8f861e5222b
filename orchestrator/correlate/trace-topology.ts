import type { TraceGraph } from '../traces/trace-graph.ts';
import type { Topology } from './topology.ts';

/**
 * The topology with the links the traces show: a caller → callee edge
 * between services of two known stacks makes the caller's stack depend on
 * the callee's, as a declared `dependsOn` would. Declared links stay; a
 * stack the topology does not know (no contract) is not added, since
 * correlation and diagnosis need its contract. Pure: a new topology.
 */
export function withTraceLinks(topology: Topology, graph: TraceGraph | undefined): Topology {
  if (!graph || graph.edges.length === 0) return topology;
  const stackOf = new Map(graph.services.flatMap((s) => (s.stackKey ? [[s.service, s.stackKey] as const] : [])));
  const added = new Map<string, Set<string>>();
  for (const e of graph.edges) {
    const from = stackOf.get(e.caller);
    const to = stackOf.get(e.callee);
    if (!from || !to || from === to || !topology.stacks[from] || !topology.stacks[to]) continue;
    if (topology.stacks[from].dependsOn.includes(to)) continue;
    (added.get(from) ?? added.set(from, new Set()).get(from)!).add(to);
  }
  if (added.size === 0) return topology;
  const stacks = { ...topology.stacks };
  for (const [from, tos] of added) stacks[from] = { ...stacks[from]!, dependsOn: [...stacks[from]!.dependsOn, ...[...tos].sort()] };
  return { ...topology, stacks };
}
