import { z } from 'zod';
import type { StackChange } from './stack-resources.ts';

/**
 * Which change events explain a drift: the refresh found properties that
 * differ from the state the last apply wrote, and a change made outside Git
 * to the same stack after that apply is what put them there. Pure.
 *
 * Candidates are the stack's changes made after its last apply (all of the
 * retained ones when the stack has no apply time). Event times are whole
 * seconds (CloudTrail's, and EventBridge's), so a change in the second of the
 * apply counts as after it: a console change right after an apply is the
 * case that matters, and one just before it would show no drift anyway. Those whose parameters
 * name a drifted property (`desiredCapacity` for `capacity`, compared without
 * case) come first, then the newest; at most `limit`.
 */

/** The link a drift record keeps: enough to find the event and say who did what. */
export const ChangeLinkSchema = z.object({
  id: z.string(),
  at: z.number(),
  principal: z.string(),
  eventName: z.string(),
  /** The drifted properties the change's parameters name; empty when it names none of them. */
  matches: z.array(z.string()),
});
export type ChangeLink = z.infer<typeof ChangeLinkSchema>;

export interface DriftedResource {
  name: string;
  changes: readonly { path: string }[];
}

function namesProperty(parameterKey: string, path: string): boolean {
  const key = parameterKey.toLowerCase();
  const leaf = (path.split('.').pop() ?? path).toLowerCase();
  return leaf.length > 0 && key.includes(leaf);
}

export function explainingChanges(stackKey: string, drifted: readonly DriftedResource[], changes: readonly StackChange[], appliedAt: number | undefined, limit = 3): ChangeLink[] {
  const paths = [...new Set(drifted.flatMap((r) => r.changes.map((c) => c.path)))];
  return changes
    .filter((c) => c.manual && c.stackKeys.includes(stackKey) && (appliedAt === undefined || c.at >= Math.floor(appliedAt / 1000) * 1000))
    .map((c) => ({
      id: c.id,
      at: c.at,
      principal: c.principal,
      eventName: c.eventName,
      matches: paths.filter((p) => Object.keys(c.parameters).some((k) => namesProperty(k, p))),
    }))
    .sort((a, b) => Number(b.matches.length > 0) - Number(a.matches.length > 0) || b.at - a.at || a.id.localeCompare(b.id, 'en'))
    .slice(0, limit);
}

/** One line for a person: `explained by alice's UpdateAutoScalingGroup at … (event ev-1; names capacity)`. */
export function describeLink(link: ChangeLink): string {
  return `${link.principal} ${link.eventName} at ${new Date(link.at).toISOString()} (event ${link.id}${link.matches.length ? `; sets ${link.matches.join(', ')}` : ''})`;
}
