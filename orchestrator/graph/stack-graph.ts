import { parseStackKey } from '../model/stack-key.ts';
import type { StackLinks } from '../records/stack-status.ts';

/**
 * The stack graph: which stacks read which (their StackReferences, seen in
 * the engine's events of their last apply) and which a person declared they
 * need (`homeostat:dependsOn` in the stack's config). Pure: the caller brings
 * each stack's links from its status.
 *
 * An edge points from the stack that depends to the stack it depends on, so
 * that the order to apply in is the reverse: dependencies first.
 */

/** What one stack is known to need, as recorded with its last apply. */
export interface StackLinksInput {
  stackKey: string;
  /** The Pulumi project name (`name` in its Pulumi.yaml), which other stacks' references use. */
  project: string;
  stack: string;
  /** Names the program gave its StackReferences: `org/project/stack`, `project/stack` or `stack`. */
  references: readonly string[];
  /** Names from `homeostat:dependsOn`, in the same forms. */
  dependsOn: readonly string[];
}

export type EdgeSource = 'reference' | 'dependsOn';

export interface GraphEdge {
  /** The stack that depends. */
  from: string;
  /** The stack it depends on. */
  to: string;
  via: EdgeSource;
  /** The name as the stack wrote it. */
  name: string;
}

/** A name no watched stack answers to (another backend's stack, a typo), or one several do. */
export interface UnresolvedLink {
  from: string;
  name: string;
  via: EdgeSource;
  why: string;
}

export interface StackGraph {
  nodes: string[];
  edges: GraphEdge[];
  unresolved: UnresolvedLink[];
  /** A cycle when there is one, as stack keys from a stack back to itself; no order exists then. */
  cycle?: string[];
  /** Stacks in layers: each depends only on stacks of earlier layers; those of one layer may run side by side. */
  order: string[][];
  /** Watched stacks not applied since links were recorded: what they need is not known yet. */
  unknown: string[];
}

/** The repository id of a stack key (`infra/./sandbox` → `infra`). */
function repoOf(stackKey: string): string {
  return stackKey.slice(0, stackKey.indexOf('/'));
}

/**
 * The watched stack a name refers to, from the point of view of `from`
 * (a bare stack name means a stack of the same project, as in Pulumi).
 * The organisation part is not compared: every watched stack shares one
 * backend, where it is fixed (`organization` on a file backend).
 */
export function resolveStackName(name: string, from: StackLinksInput, nodes: readonly StackLinksInput[]): { stackKey: string } | { why: string } {
  const parts = name.split('/');
  if (parts.length > 3 || parts.some((p) => p === '')) return { why: `not a stack name (expected org/project/stack, project/stack or stack)` };
  const stack = parts[parts.length - 1]!;
  const project = parts.length >= 2 ? parts[parts.length - 2]! : from.project;
  const matches = nodes.filter((n) => n.project === project && n.stack === stack);
  // The same project and stack in two watched repositories: the referrer's own repository is meant.
  const own = matches.filter((n) => repoOf(n.stackKey) === repoOf(from.stackKey));
  const candidates = matches.length > 1 && own.length > 0 ? own : matches;
  if (candidates.length === 1) return { stackKey: candidates[0]!.stackKey };
  if (candidates.length === 0) return { why: `no watched stack ${project}/${stack}` };
  return { why: `several watched stacks are ${project}/${stack}: ${candidates.map((c) => c.stackKey).join(', ')}` };
}

/** The graph of the watched stacks from their statuses; a stack without recorded links is a node without edges. */
export function graphOfStatuses(statuses: readonly { stackKey: string; links?: StackLinks | undefined }[]): StackGraph {
  const inputs: StackLinksInput[] = [];
  const unknown: string[] = [];
  for (const s of statuses) {
    if (s.links) inputs.push({ stackKey: s.stackKey, stack: parseStackKey(s.stackKey).stack, ...s.links });
    else unknown.push(s.stackKey);
  }
  return buildStackGraph(inputs, unknown);
}

export function buildStackGraph(inputs: readonly StackLinksInput[], unknown: readonly string[] = []): StackGraph {
  const nodes = [...inputs.map((n) => n.stackKey), ...unknown].sort();
  const edges: GraphEdge[] = [];
  const unresolved: UnresolvedLink[] = [];
  const seen = new Set<string>();
  for (const from of inputs) {
    const named: [string, EdgeSource][] = [...from.references.map((r) => [r, 'reference'] as [string, EdgeSource]), ...from.dependsOn.map((d) => [d, 'dependsOn'] as [string, EdgeSource])];
    for (const [name, via] of named) {
      const target = resolveStackName(name, from, inputs);
      if ('why' in target) {
        unresolved.push({ from: from.stackKey, name, via, why: target.why });
        continue;
      }
      // A stack both read and declared is one dependency: the reference, which the engine saw, is kept.
      const id = `${from.stackKey}\n${target.stackKey}`;
      if (seen.has(id)) continue;
      seen.add(id);
      edges.push({ from: from.stackKey, to: target.stackKey, via, name });
    }
  }
  edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const cycle = findCycle(nodes, edges);
  return { nodes, edges, unresolved, ...(cycle ? { cycle } : {}), order: cycle ? [] : layers(nodes, edges), unknown: [...unknown].sort() };
}

/** One cycle (the first found, from the alphabetically first stack on it), or undefined. */
export function findCycle(nodes: readonly string[], edges: readonly GraphEdge[]): string[] | undefined {
  const next = adjacency(nodes, edges);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === 'open') return [...path.slice(path.indexOf(to)), to];
      if (!state.has(to)) {
        const found = visit(to);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of nodes) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

/** Kahn's layering: dependencies before the stacks that need them. Assumes no cycle. */
function layers(nodes: readonly string[], edges: readonly GraphEdge[]): string[][] {
  const waiting = new Map(nodes.map((n) => [n, new Set<string>()]));
  for (const e of edges) waiting.get(e.from)!.add(e.to);
  const out: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < nodes.length) {
    const layer = nodes.filter((n) => !placed.has(n) && [...waiting.get(n)!].every((d) => placed.has(d)));
    for (const n of layer) placed.add(n);
    out.push(layer);
  }
  return out;
}

function adjacency(nodes: readonly string[], edges: readonly GraphEdge[]): Map<string, string[]> {
  const next = new Map(nodes.map((n) => [n, [] as string[]]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  return next;
}

/** The stacks `stackKey` depends on directly (what its apply waits for). */
export function directDependenciesOf(graph: Pick<StackGraph, 'edges'>, stackKey: string): string[] {
  return [...new Set(graph.edges.filter((e) => e.from === stackKey && e.to !== stackKey).map((e) => e.to))].sort();
}

/** The stacks that read `stackKey` directly: an output change of it reaches them. */
export function directDependentsOf(graph: Pick<StackGraph, 'edges'>, stackKey: string): string[] {
  return [...new Set(graph.edges.filter((e) => e.to === stackKey && e.from !== stackKey).map((e) => e.from))].sort();
}

/** The stacks that depend on `stackKey`, directly or through others (what a change of it reaches). */
export function dependentsOf(graph: Pick<StackGraph, 'edges'>, stackKey: string): string[] {
  const found = new Set<string>();
  const queue = [stackKey];
  while (queue.length > 0) {
    for (const from of directDependentsOf(graph, queue.shift()!)) {
      if (from === stackKey || found.has(from)) continue;
      found.add(from);
      queue.push(from);
    }
  }
  return [...found].sort();
}

/** Each stack's layer in the order to apply in (0 first); empty on a cycle, where no order exists. */
export function orderRank(graph: Pick<StackGraph, 'order'>): Map<string, number> {
  return new Map(graph.order.flatMap((layer, i) => layer.map((key) => [key, i] as [string, number])));
}

/** One line naming a cycle, for errors: `a → b → a`. */
export function describeCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}
