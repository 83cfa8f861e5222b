import type { StackLinks } from '../records/stack-status.ts';
import { directDependenciesOf, type StackGraph } from './stack-graph.ts';

/**
 * What a stack's own files at a pushed commit declare (its project's name and
 * its `homeostat:dependsOn`), read at intake. The StackReferences a program
 * makes are seen only when the engine runs it, so for stacks never applied
 * the declared links are all there is to order a first push by.
 */
export interface DeclaredAtCommit {
  stackKey: string;
  project: string;
  dependsOn: readonly string[];
}

/**
 * The statuses' recorded links with what the pushed commit declares merged in:
 * a declared stack takes the commit's project and `dependsOn` (newer than what
 * its last apply recorded) and keeps its recorded references; a stack without
 * a status or without recorded links gets the declared ones alone. Pure.
 */
export function mergeDeclaredLinks(
  statuses: readonly { stackKey: string; links?: StackLinks | undefined }[],
  declared: readonly DeclaredAtCommit[],
): { stackKey: string; links?: StackLinks | undefined }[] {
  const byKey = new Map(declared.map((d) => [d.stackKey, d]));
  const linksOf = (d: DeclaredAtCommit, recorded: StackLinks | undefined): StackLinks => ({ project: d.project, references: recorded?.references ?? [], dependsOn: [...d.dependsOn] });
  const merged = statuses.map((s) => {
    const d = byKey.get(s.stackKey);
    return d ? { stackKey: s.stackKey, links: linksOf(d, s.links) } : s;
  });
  const known = new Set(statuses.map((s) => s.stackKey));
  for (const d of declared) if (!known.has(d.stackKey)) merged.push({ stackKey: d.stackKey, links: linksOf(d, undefined) });
  return merged;
}

/** What a job carries from intake to the deploy worker's gate: the stacks it waits for, and the cycle it is on. */
export interface GraphAtIntake {
  dependencies: string[];
  cycle?: string[];
}

/** A stack's place in the merged graph, for its job. */
export function graphAtIntake(graph: Pick<StackGraph, 'edges' | 'cycle'>, stackKey: string): GraphAtIntake {
  const onCycle = graph.cycle?.includes(stackKey) ? graph.cycle : undefined;
  return { dependencies: directDependenciesOf(graph, stackKey), ...(onCycle ? { cycle: onCycle } : {}) };
}
