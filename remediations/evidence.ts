import type { ProbableCause } from '../orchestrator/diagnose/probable-cause.ts';
import { maxBetween, meanBetween } from '../orchestrator/diagnose/signal-series.ts';
import type { HealthSignal, StackContract } from '../stacks/contract.ts';
import type { PlaybookInput } from './playbook.ts';

/** Minutes before the onset read as "before the incident" for baselines. */
export const BASELINE_MS = 30 * 60_000;

/**
 * The leading cause: the most confident one (the first of equals), whatever
 * its kind. A playbook acts on it only when it sits on the playbook's stack
 * (a cause without a stack sits on the incident's first stack).
 */
export function leadingCause(input: PlaybookInput): ProbableCause | undefined {
  let best: ProbableCause | undefined;
  for (const c of input.causes) if (!best || c.confidence > best.confidence) best = c;
  if (!best) return undefined;
  const on = best.stackKey ?? input.incident.stackKey;
  return on === input.stack.stackKey ? best : undefined;
}

/** A capacity signal's level against its limit. */
export interface SignalFill {
  signal: HealthSignal;
  level: number;
  limit: number;
  /** level / limit. */
  fill: number;
}

/**
 * The fullest utilisation or saturation signal of the stack that has a
 * limit: its largest value during the incident, from the incident's own
 * points and the recent values from the baseline window on.
 */
export function fullestSignal(input: PlaybookInput): SignalFill | undefined {
  const { incident, stack } = input;
  let best: SignalFill | undefined;
  for (const signal of stack.contract.healthSignals) {
    if ((signal.role !== 'utilisation' && signal.role !== 'saturation') || !signal.higherIsWorse || signal.limit === undefined || signal.limit <= 0) continue;
    const levels = [
      maxBetween(seriesOf(input, signal.id), incident.onsetAt - BASELINE_MS, Math.max(incident.lastAbnormalAt, incident.onsetAt)),
      ...incident.signals.filter((s) => s.stackKey === stack.stackKey && s.signalId === signal.id).flatMap((s) => [s.peakValue, s.lastValue]),
    ].filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (levels.length === 0) continue;
    const level = Math.max(...levels);
    const fill = level / signal.limit;
    if (!best || fill > best.fill) best = { signal, level, limit: signal.limit, fill };
  }
  return best;
}

/**
 * Whether the signal `signalId` measures a resource that a `storage` key of the
 * contract sizes (a volume): more room, not more instances, relieves it.
 */
export function storageSized(contract: StackContract, signalId: string | undefined): boolean {
  if (signalId === undefined) return false;
  const signal = contract.healthSignals.find((s) => s.id === signalId);
  return signal !== undefined && contract.remediable.some((k) => k.purpose === 'storage' && k.resource === signal.resource);
}

export function seriesOf(input: PlaybookInput, signalId: string) {
  return input.recentValues?.find((s) => s.stackKey === input.stack.stackKey && s.signalId === signalId);
}

/** Mean of a signal in the {@link BASELINE_MS} before the incident's onset, when recent values cover it. */
export function baselineOf(input: PlaybookInput, signalId: string): number | undefined {
  return meanBetween(seriesOf(input, signalId), input.incident.onsetAt - BASELINE_MS, input.incident.onsetAt);
}

/** `3f9c2a1b7d4e`: commits as people read them. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

/** `2` or `0.35` or `1.5k`-free plain numbers for explanations. */
export function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100);
}
