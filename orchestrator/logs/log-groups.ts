import { StackContractSchema, type LogGroup } from '../../stacks/contract.ts';

/**
 * The log groups Homeostat reads: each stack contract's `logGroups`, with
 * the stack they belong to. Pure.
 */

/** One log group of one stack, as the log poller reads it. */
export interface WatchedLogGroup {
  readonly stackKey: string;
  /** The group's id within its stack's contract. */
  readonly logGroupId: string;
  /** The group's name in CloudWatch Logs. */
  readonly name: string;
  readonly filterPattern?: string;
  readonly resource: string;
}

/**
 * The log groups of the watched stacks, in contract order. One CloudWatch
 * group named twice (by one stack or two) is a contract error: the reads
 * would share one watermark, so the message names both fields.
 */
export function logGroupsOf(stacks: readonly { stackKey: string; logGroups?: readonly LogGroup[] }[]): WatchedLogGroup[] {
  const out: WatchedLogGroup[] = [];
  const seen = new Map<string, string>();
  for (const stack of stacks) {
    (stack.logGroups ?? []).forEach((g, i) => {
      const field = `${stack.stackKey}: logGroups[${i}] (${g.id})`;
      const first = seen.get(g.name);
      if (first !== undefined) throw new Error(`${field} names log group ${g.name}, already named by ${first}`);
      seen.set(g.name, field);
      out.push({ stackKey: stack.stackKey, logGroupId: g.id, name: g.name, resource: g.resource, ...(g.filterPattern !== undefined ? { filterPattern: g.filterPattern } : {}) });
    });
  }
  return out;
}

/**
 * The log groups of one stack's deployed outputs (`outputs.homeostat`). A
 * contract that does not parse is an error naming the stack and each bad field.
 */
export function logGroupsOfOutputs(stackKey: string, homeostatOutput: unknown): WatchedLogGroup[] {
  const parsed = StackContractSchema.safeParse(homeostatOutput);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(contract)'}: ${i.message}`).join('; ');
    throw new Error(`${stackKey}: the stack contract (outputs.homeostat) is invalid: ${fields}`);
  }
  return logGroupsOf([{ stackKey, ...(parsed.data.logGroups ? { logGroups: parsed.data.logGroups } : {}) }]);
}
