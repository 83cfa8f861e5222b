import { z } from 'zod';

/**
 * What a playbook proposes: a patch to one stack's config file, or a revert
 * of one commit. Plain JSON, validated with {@link ProposalSchema} whenever
 * a playbook returns one (see `runPlaybook`), so a faulty playbook cannot
 * push a malformed change down the decision path.
 */

/** How risky applying a proposal is, before any track record. */
export const RiskSchema = z.enum(['low', 'medium', 'high']);
export type Risk = z.infer<typeof RiskSchema>;

/** What a proposal should do to one health signal once applied. */
export const ExpectedEffectSchema = z.object({
  /** Health signal id in the stack's contract, for example `cpu`. */
  signalId: z.string().min(1),
  direction: z.enum(['down', 'up']),
  /** Rough size of the change as a fraction of the signal's current level: 0.5 is "about half". */
  relative: z.number().min(0).max(10),
  /** How the estimate was made, for a person. */
  note: z.string().min(1),
});
export type ExpectedEffect = z.infer<typeof ExpectedEffectSchema>;

/** A config value as written in a stack file (scalars only). */
export const ConfigValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export type ConfigValue = z.infer<typeof ConfigValueSchema>;

/** One key of a stack's config, changed from its current value. */
export const ConfigChangeSchema = z.object({
  /** Full config key, for example `sandbox:capacity`. */
  key: z.string().regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/),
  from: ConfigValueSchema,
  to: ConfigValueSchema,
});
export type ConfigChange = z.infer<typeof ConfigChangeSchema>;

const ProposalBase = z.object({
  /** Id of the playbook that made it. */
  playbook: z.string().min(1),
  /** Incident it answers. */
  incidentId: z.string().min(1),
  /** The stack it changes. */
  stackKey: z.string().min(1),
  /** Short title, usable as a commit subject. */
  title: z.string().min(1).max(120),
  expectedEffect: z.array(ExpectedEffectSchema),
  /** In [0, 1]: how likely the change is to fix the incident. */
  confidence: z.number().min(0).max(1),
  risk: RiskSchema,
  /** Why this change, in plain language. */
  explanation: z.string().min(1),
  /** Facts it rests on, one line each (the cause's evidence and the playbook's own). */
  evidence: z.array(z.string()),
  /**
   * Made ahead of time, for a predicted incident (a forecast breach; nothing observed yet). Set by
   * `runPlaybook`, which also holds it to at least medium risk; verified against the forecast.
   * Absent: a reaction to an observed incident.
   */
  proactive: z.boolean().optional(),
});

export const ConfigPatchProposalSchema = ProposalBase.extend({
  kind: z.literal('config-patch'),
  /** Repository path of the stack's config file, for example `stacks/Pulumi.sandbox.yaml`. */
  file: z.string().regex(/(^|\/)Pulumi\.[A-Za-z0-9_.-]+\.ya?ml$/, 'must name a Pulumi.<stack>.yaml file'),
  changes: z.array(ConfigChangeSchema).min(1),
});
export type ConfigPatchProposal = z.infer<typeof ConfigPatchProposalSchema>;

export const RevertProposalSchema = ProposalBase.extend({
  kind: z.literal('revert'),
  /** Full or abbreviated commit id to `git revert`. */
  commit: z.string().regex(/^[0-9a-f]{7,64}$/, 'must be a hex commit id'),
});
export type RevertProposal = z.infer<typeof RevertProposalSchema>;

export const ProposalSchema = z.discriminatedUnion('kind', [ConfigPatchProposalSchema, RevertProposalSchema]);
export type Proposal = z.infer<typeof ProposalSchema>;
