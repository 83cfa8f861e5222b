import { z } from 'zod';
import { StackContractSchema } from '../../stacks/contract.ts';

/** One stack as correlation and diagnosis see it: its contract and the stacks it depends on. */
export const StackNodeSchema = z.object({
  contract: StackContractSchema,
  /** Stack keys this stack calls or runs on; their trouble can become its trouble. */
  dependsOn: z.array(z.string().min(1)).default([]),
});
export type StackNode = z.infer<typeof StackNodeSchema>;

/** Every known stack by stack key. */
export const TopologySchema = z.object({
  stacks: z.record(z.string(), StackNodeSchema),
});
export type Topology = z.infer<typeof TopologySchema>;

/** The part of a topology that grouping needs: links only. A {@link Topology} is one. */
export interface Links {
  stacks: Readonly<Record<string, { readonly dependsOn: readonly string[] }>>;
}

/** Whether `a` and `b` are linked by a `dependsOn` edge, in either direction. */
export function areLinked(links: Links | undefined, a: string, b: string): boolean {
  if (links === undefined || a === b) return false;
  return (links.stacks[a]?.dependsOn.includes(b) ?? false) || (links.stacks[b]?.dependsOn.includes(a) ?? false);
}

/** Stacks `stackKey` depends on, directly or through others, nearest first, with their distance (1 = direct). */
export function dependenciesOf(links: Links | undefined, stackKey: string, maxDepth = 3): { stackKey: string; depth: number }[] {
  const out: { stackKey: string; depth: number }[] = [];
  const seen = new Set([stackKey]);
  let frontier = [stackKey];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const s of frontier) {
      for (const d of links?.stacks[s]?.dependsOn ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        out.push({ stackKey: d, depth });
        next.push(d);
      }
    }
    frontier = next;
  }
  return out;
}
