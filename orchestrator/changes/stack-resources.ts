import { z } from 'zod';
import { ChangeEventSchema, type ChangeEvent } from './change-event.ts';

/**
 * Which stack a change event belongs to, from the stacks' last applied
 * outputs. A stack's outputs name its resources (ids, names, ARNs: the
 * sandbox's `serviceId`, a web service's `asgName`, the contract's
 * `resource` fields); an event belongs to every stack whose outputs name one
 * of its resources. Pure.
 */

/** A change event with the stacks it touched: what the context store keeps. */
export const StackChangeSchema = ChangeEventSchema.extend({ stackKeys: z.array(z.string()).min(1) });
export type StackChange = z.infer<typeof StackChangeSchema>;

export interface StackOutputs {
  stackKey: string;
  outputs?: Record<string, unknown>;
}

/** Strings shorter than this, or with spaces, are values (`small`, `v2`, a sentence), not resource ids. */
const MIN_ID_LENGTH = 6;
/** Outputs are walked this deep, so a large nested output costs little. */
const MAX_DEPTH = 6;

function collect(value: unknown, depth: number, into: Set<string>): void {
  if (depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    if (value.length >= MIN_ID_LENGTH && !/\s/.test(value)) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, depth + 1, into);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collect(v, depth + 1, into);
  }
}

/** The resource identifiers a stack's outputs name. */
export function resourceIdsOf(outputs: Record<string, unknown> | undefined): Set<string> {
  const ids = new Set<string>();
  collect(outputs ?? {}, 0, ids);
  return ids;
}

/**
 * The short forms of a resource reference: itself and, for an ARN, the
 * resource part after the last `/` or `:` (`arn:aws:autoscaling:…:autoScalingGroupName/web-asg` → `web-asg`).
 */
export function idForms(ref: string): string[] {
  if (!ref.startsWith('arn:')) return [ref];
  const tail = ref.slice(ref.lastIndexOf(ref.includes('/') ? '/' : ':') + 1);
  return tail && tail !== ref ? [ref, tail] : [ref];
}

/** An index from resource id to stacks, built once per batch of events. */
export function resourceIndex(stacks: readonly StackOutputs[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const s of stacks) {
    for (const id of resourceIdsOf(s.outputs)) {
      for (const form of idForms(id)) {
        const list = index.get(form) ?? [];
        if (!list.includes(s.stackKey)) list.push(s.stackKey);
        index.set(form, list);
      }
    }
  }
  return index;
}

/** The stacks `event` touched; empty when none of Homeostat's stacks names its resources. */
export function stacksOfChange(event: ChangeEvent, index: ReadonlyMap<string, readonly string[]>): string[] {
  const stacks = new Set<string>();
  for (const ref of event.resources) {
    for (const form of idForms(ref)) for (const s of index.get(form) ?? []) stacks.add(s);
  }
  return [...stacks].sort();
}
