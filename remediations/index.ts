/**
 * Remediation playbooks as code: the registry, the proposal shapes, and the
 * helpers that run a playbook safely and patch a stack's config file. Pure.
 *
 * Adding a playbook: one file under `playbooks/` exporting a {@link Playbook},
 * one line in {@link PLAYBOOKS}, and its test under `test/unit/remediations/`.
 */
import type { Playbook, PlaybookInput } from './playbook.ts';
import type { Proposal } from './proposal.ts';
import { growVolume } from './playbooks/grow-volume.ts';
import { rollbackDeploy } from './playbooks/rollback-deploy.ts';
import { restartRollout } from './playbooks/restart-rollout.ts';
import { scaleOut } from './playbooks/scale-out.ts';
import { scaleUp } from './playbooks/scale-up.ts';
import { runPlaybook } from './run-playbook.ts';
import type { PlaybookRun } from './run-playbook.ts';

export type { Playbook, PlaybookInput, PlaybookStack } from './playbook.ts';
export { configFileOf, stackConfigFile } from './playbook.ts';
export {
  ConfigChangeSchema,
  ConfigPatchProposalSchema,
  ConfigValueSchema,
  ExpectedEffectSchema,
  ProposalSchema,
  RevertProposalSchema,
  RiskSchema,
} from './proposal.ts';
export type { ConfigChange, ConfigPatchProposal, ConfigValue, ExpectedEffect, Proposal, RevertProposal, Risk } from './proposal.ts';
export { changeViolation, countStepRisk, grownValue, ladderStepRisk, nextOnLadder, remediableKey } from './bounds.ts';
export { runPlaybook } from './run-playbook.ts';
export type { PlaybookRun } from './run-playbook.ts';
export { YamlPatchError, applyConfigPatch, formatConfigValue, patchConfigValue } from './yaml-patch.ts';
export { growVolume, rollbackDeploy, restartRollout, scaleOut, scaleUp };

/** Every playbook, in the order they are tried. Ids are unique (checked by a test). */
export const PLAYBOOKS: readonly Playbook[] = [rollbackDeploy, scaleOut, growVolume, scaleUp, restartRollout];

/** What `homeostat playbooks` lists. */
export interface PlaybookSummary {
  id: string;
  title: string;
  description: string;
}

export function listPlaybooks(playbooks: readonly Playbook[] = PLAYBOOKS): PlaybookSummary[] {
  return playbooks.map(({ id, title, description }) => ({ id, title, description }));
}

export function playbookById(id: string, playbooks: readonly Playbook[] = PLAYBOOKS): Playbook | undefined {
  return playbooks.find((p) => p.id === id);
}

/**
 * Runs every playbook on one input through {@link runPlaybook}. A faulty
 * playbook's errors are returned beside the others' proposals, so one bad
 * playbook does not silence the rest. Proposals most confident first.
 */
export function proposeAll(input: PlaybookInput, playbooks: readonly Playbook[] = PLAYBOOKS): { proposals: Proposal[]; failures: Extract<PlaybookRun, { ok: false }>[] } {
  const runs = playbooks.map((p) => runPlaybook(p, input));
  const proposals = runs.flatMap((r) => (r.ok ? r.proposals : [])).sort((a, b) => b.confidence - a.confidence);
  return { proposals, failures: runs.filter((r): r is Extract<PlaybookRun, { ok: false }> => !r.ok) };
}
