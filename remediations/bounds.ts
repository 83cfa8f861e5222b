import type { RemediableKey, StackContract } from '../stacks/contract.ts';
import { stepViolation } from '../policies/rules/step-change.ts';
import type { ConfigChange, Risk } from './proposal.ts';

/** A remediable key of one type. */
export type IntegerKey = Extract<RemediableKey, { type: 'integer' }>;
export type EnumKey = Extract<RemediableKey, { type: 'enum' }>;

/** The first remediable key with `purpose` (and `type`, when given). */
export function remediableKey<T extends RemediableKey['type']>(
  contract: StackContract,
  purpose: RemediableKey['purpose'],
  type?: T,
): Extract<RemediableKey, { type: T }> | undefined {
  return contract.remediable.find((k) => k.purpose === purpose && (type === undefined || k.type === type)) as Extract<RemediableKey, { type: T }> | undefined;
}

/**
 * The value an integer key reaches when grown by `factor`, held within its
 * declared `min`/`max` and `maxStepRatio` (the step-change policy's rule).
 * Rounds up, so a factor above 1 always grows by at least one when room is
 * left. From 0, grows to at most `floor(maxStepRatio)` (the policy's rule
 * for a start from nothing).
 */
export function grownValue(key: IntegerKey, factor: number): number {
  const from = key.current;
  const stepCap = from <= 0 ? Math.max(1, Math.floor(key.maxStepRatio)) : Math.floor(from * key.maxStepRatio);
  const wanted = from <= 0 ? stepCap : Math.ceil(from * factor);
  return Math.max(Math.min(wanted, stepCap, key.max), Math.min(key.min, stepCap));
}

/** The next value up the key's ordered ladder, or undefined at the top (or when the current value is not on it). */
export function nextOnLadder(key: EnumKey): string | undefined {
  const i = key.values.indexOf(key.current);
  return i < 0 ? undefined : key.values[i + 1];
}

/**
 * Why `change` is not allowed by the key the contract declares, or undefined
 * when it is: the key must be remediable, `from` must be its current value,
 * and `to` must keep within `min`/`max` and `maxStepRatio` (integer), be one
 * of `values` (enum) or be a string (string).
 */
export function changeViolation(contract: StackContract, change: ConfigChange): string | undefined {
  const key = contract.remediable.find((k) => k.key === change.key);
  if (!key) return `${change.key} is not a remediable key of this stack (remediable: ${contract.remediable.map((k) => k.key).join(', ') || 'none'})`;
  if (change.from !== key.current) return `from ${JSON.stringify(change.from)} is not the current value ${JSON.stringify(key.current)}`;
  switch (key.type) {
    case 'integer': {
      const to = change.to;
      if (typeof to !== 'number' || !Number.isInteger(to)) return `to ${JSON.stringify(to)} is not an integer`;
      if (to < key.min || to > key.max) return `to ${to} is outside [${key.min}, ${key.max}]`;
      const step = stepViolation(key.current, to, key.maxStepRatio);
      return step === undefined ? undefined : `${step} (maxStepRatio ${key.maxStepRatio})`;
    }
    case 'enum':
      return typeof change.to === 'string' && key.values.includes(change.to) ? undefined : `to ${JSON.stringify(change.to)} is not one of ${key.values.join(', ')}`;
    case 'string':
      return typeof change.to === 'string' ? undefined : `to ${JSON.stringify(change.to)} is not a string`;
  }
}

/**
 * Risk of resizing a count: growing within 2x is low (more of the same
 * instances), beyond 2x medium; any shrink is medium (it can starve the
 * service); a start from nothing is medium.
 */
export function countStepRisk(from: number, to: number): Risk {
  if (from <= 0) return 'medium';
  if (to < from) return 'medium';
  return to / from <= 2 ? 'low' : 'medium';
}

/** Risk of moving `steps` rungs on a size ladder: one rung replaces instances (medium); more is high. */
export function ladderStepRisk(steps: number): Risk {
  return Math.abs(steps) <= 1 ? 'medium' : 'high';
}

export function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
