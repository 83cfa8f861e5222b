import type { Proposal } from '../../remediations/proposal.ts';
import { activeFreeze } from './freeze-window.ts';
import type { GuardrailConfig } from './guardrail-config.ts';
import type { GuardrailState } from './guardrail-state.ts';

export const GUARDRAIL_NAMES = [
  'kill-switch',
  'dry-run',
  'freeze-window',
  'cooldown',
  'stack-rate',
  'global-rate',
  'blast-radius',
  'canary',
  'rollback-limit',
] as const;
export type GuardrailName = (typeof GUARDRAIL_NAMES)[number];

/**
 * One guardrail's verdict on one proposal. `onFail` says what a failure
 * means for the decision: `review` (a person may still apply it) or
 * `reject` (nothing goes out: the kill switch).
 */
export interface GuardrailResult {
  name: GuardrailName;
  passed: boolean;
  reason: string;
  onFail: 'review' | 'reject';
}

/** Everything a guardrail looks at. */
export interface GuardrailInput {
  proposal: Proposal;
  state: GuardrailState;
  config: GuardrailConfig;
  /** Epoch ms. */
  now: number;
}

export type Guardrail = (input: GuardrailInput) => GuardrailResult;

const pass = (name: GuardrailName, reason: string, onFail: GuardrailResult['onFail'] = 'review'): GuardrailResult => ({ name, passed: true, reason, onFail });
const fail = (name: GuardrailName, reason: string, onFail: GuardrailResult['onFail'] = 'review'): GuardrailResult => ({ name, passed: false, reason, onFail });

function minutes(ms: number): string {
  return `${Math.ceil(ms / 60_000)} min`;
}

/** Identifies "the same change" across stacks, for canaries: the playbook and keys of a patch, or the commit of a revert. */
export function changeFingerprint(p: Proposal): string {
  return p.kind === 'revert' ? `revert ${p.commit}` : `${p.playbook} ${p.changes.map((c) => c.key.slice(c.key.indexOf(':') + 1)).sort().join(',')}`;
}

export const killSwitch: Guardrail = ({ config }) =>
  config.killSwitch ? fail('kill-switch', 'the kill switch is on: no automated change goes out', 'reject') : pass('kill-switch', 'the kill switch is off', 'reject');

/** Dry-run never commits: a failure sends what would be automatic to review (see `decide`). */
export const dryRun: Guardrail = ({ config }) =>
  config.dryRun ? fail('dry-run', 'dry-run mode: nothing is committed automatically') : pass('dry-run', 'dry-run mode is off');

export const freezeWindow: Guardrail = ({ config, now }) => {
  const active = activeFreeze(config.freezeWindows, now);
  return active ? fail('freeze-window', `in a freeze window (${active})`) : pass('freeze-window', 'not in a freeze window');
};

export const cooldown: Guardrail = ({ proposal, state, config, now }) => {
  if (state.lastChangeAt === undefined) return pass('cooldown', `${proposal.playbook} has not changed ${proposal.stackKey} before`);
  const since = now - state.lastChangeAt;
  return since < config.cooldownMs
    ? fail('cooldown', `${proposal.playbook} changed ${proposal.stackKey} ${minutes(since)} ago; cooldown is ${minutes(config.cooldownMs)} (${minutes(config.cooldownMs - since)} left)`)
    : pass('cooldown', `${proposal.playbook} last changed ${proposal.stackKey} ${minutes(since)} ago, past the ${minutes(config.cooldownMs)} cooldown`);
};

export const stackRate: Guardrail = ({ proposal, state, config }) => {
  const n = state.changesLastHour.stack;
  const max = config.maxChangesPerHourPerStack;
  return n >= max
    ? fail('stack-rate', `${proposal.stackKey} had ${n} automated changes in the last hour; at most ${max}`)
    : pass('stack-rate', `${proposal.stackKey} had ${n} of at most ${max} automated changes in the last hour`);
};

export const globalRate: Guardrail = ({ state, config }) => {
  const n = state.changesLastHour.global;
  const max = config.maxChangesPerHourGlobal;
  return n >= max ? fail('global-rate', `${n} automated changes across all stacks in the last hour; at most ${max}`) : pass('global-rate', `${n} of at most ${max} automated changes across all stacks in the last hour`);
};

/**
 * The size of one change: at most `maxKeys` keys; a number may grow or
 * shrink by at most `maxStepRatio` (from 0, up to the ratio itself); an
 * ordered value may move at most `maxLadderSteps` rungs on the contract's
 * ladder. A string that is not on a ladder (a version, a restart stamp), or
 * any string when the contract is not given, has no size here (the
 * playbook's own bounds check and the policy preview still apply). A revert restores a
 * state the stack already ran; its size is the policy preview's to judge.
 */
export const blastRadius: Guardrail = ({ proposal, state, config }) => {
  const br = config.blastRadius;
  if (proposal.kind === 'revert') return pass('blast-radius', `a revert of ${proposal.commit.slice(0, 12)} restores an earlier state`);
  if (proposal.changes.length > br.maxKeys) return fail('blast-radius', `changes ${proposal.changes.length} keys; at most ${br.maxKeys} in one change`);
  for (const c of proposal.changes) {
    if (typeof c.from === 'number' && typeof c.to === 'number') {
      const ok = c.from <= 0 ? c.to <= br.maxStepRatio : c.to <= c.from * br.maxStepRatio && c.to * br.maxStepRatio >= c.from;
      if (!ok) return fail('blast-radius', `${c.key} ${c.from} -> ${c.to} is more than ${br.maxStepRatio}x in one change`);
      continue;
    }
    const key = state.contract?.remediable.find((k) => k.key === c.key);
    if (key?.type === 'enum') {
      const steps = Math.abs(key.values.indexOf(String(c.to)) - key.values.indexOf(String(c.from)));
      if (steps > br.maxLadderSteps) return fail('blast-radius', `${c.key} ${String(c.from)} -> ${String(c.to)} moves ${steps} steps; at most ${br.maxLadderSteps}`);
    }
  }
  return pass('blast-radius', `within ${br.maxStepRatio}x, ${br.maxLadderSteps} step(s) and ${br.maxKeys} key(s)`);
};

/** A member of a canary group gets a change only after its canary received and verified the same change recently. */
export const canary: Guardrail = ({ proposal, state, config, now }) => {
  const group = config.canaryGroups.find((g) => g.canary !== proposal.stackKey && g.members.includes(proposal.stackKey));
  if (!group) {
    const own = config.canaryGroups.find((g) => g.canary === proposal.stackKey);
    return pass('canary', own ? `${proposal.stackKey} is the canary of ${own.name}` : `${proposal.stackKey} is in no canary group`);
  }
  const change = changeFingerprint(proposal);
  const seen = (state.canaryVerified ?? []).filter((v) => v.stackKey === group.canary && v.change === change && v.verifiedAt <= now);
  const recent = seen.filter((v) => now - v.verifiedAt <= config.canaryMaxAgeMs);
  if (recent.length > 0) return pass('canary', `canary ${group.canary} of ${group.name} verified "${change}" ${minutes(now - Math.max(...recent.map((v) => v.verifiedAt)))} ago`);
  return fail(
    'canary',
    seen.length > 0
      ? `canary ${group.canary} of ${group.name} verified "${change}" more than ${minutes(config.canaryMaxAgeMs)} ago; verify it there again first`
      : `canary ${group.canary} of ${group.name} has not received and verified "${change}" yet`,
  );
};

/** After `maxConsecutiveRollbacks` automatic rollbacks in a row on a stack, automation there waits for a person. */
export const rollbackLimit: Guardrail = ({ proposal, state, config }) => {
  const n = state.consecutiveRollbacks;
  const max = config.maxConsecutiveRollbacks;
  return n >= max
    ? fail('rollback-limit', `${proposal.stackKey} was rolled back automatically ${n} times in a row (limit ${max}); a person must look before more automated changes`)
    : pass('rollback-limit', `${n} automatic rollback(s) in a row on ${proposal.stackKey}, limit ${max}`);
};

/** Every guardrail, in the order their results are reported. */
export const GUARDRAILS: readonly Guardrail[] = [killSwitch, dryRun, freezeWindow, cooldown, stackRate, globalRate, blastRadius, canary, rollbackLimit];

/** Every guardrail's result for one proposal. Pure: the caller passes the counts, the history and the time. */
export function evaluateGuardrails(proposal: Proposal, state: GuardrailState, config: GuardrailConfig, now: number): GuardrailResult[] {
  return GUARDRAILS.map((g) => g({ proposal, state, config, now }));
}
