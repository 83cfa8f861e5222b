import { z } from 'zod';

/**
 * Update plans: the preview of a commit (a push's, or a remediation's
 * policy check) saves the engine's plan (`pulumi preview --save-plan`), and
 * the apply of the same content on the same stack state runs `pulumi up
 * --plan` without previewing again, so the engine refuses any operation
 * that was not in the checked preview. This file holds the pure part: what
 * a plan is keyed by, and whether an apply may use the one at hand. Pure:
 * no engine, no I/O.
 */

/** What a saved plan belongs to. A plan fits only the exact content and stack it was made for. */
export interface PlanKeyParts {
  /** The repository's id in the service config. */
  repo: string;
  /**
   * The commit's tree digest (`git-tree:…`), not the commit: a remediation's
   * decided commit carries the checked commit's tree with another message,
   * and its apply may use the plan its policy check saved.
   */
  tree: string;
  /** Project folder within the repository ('' for the root). */
  project: string;
  stack: string;
  /** Digests of the policy packs that ran, pinned and the commit's own: a plan checked by other packs is not this plan. */
  policyPacks: readonly string[];
}

/** The key of a saved plan in the service's cache. */
export function planKey(parts: PlanKeyParts): string {
  // The packs' order does not change what was checked.
  const packs = [...parts.policyPacks].sort().join(',');
  return [parts.repo, parts.tree, parts.project || '.', parts.stack, packs].map((p) => encodeURIComponent(p)).join('|');
}

export const SavedPlanSchema = z.object({
  /** `sha256:<hex>` of the plan file as the engine wrote it. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** The stack's state version when the preview ran (see {@link StackStateVersion}). */
  stateVersion: z.string().min(1),
  /** The commit previewed (its tree is in the key). */
  commit: z.string(),
  /** The run that previewed it. */
  runId: z.string().optional(),
  savedAt: z.string(),
  /** The plan file's text, as the engine wrote it (secrets in it are encrypted by the stack's secrets provider). */
  plan: z.string().min(1),
});
export type SavedPlan = z.infer<typeof SavedPlanSchema>;

/**
 * A stack's state version: the digest of its checkpoint as the backend
 * holds it (`pulumi stack export`). Every update, refresh or import writes a
 * new checkpoint; the file backend's history has no version numbers
 * (they are all 0), so the checkpoint itself is what tells.
 */
export type StackStateVersion = string;

/** Why an apply did not use a saved plan. */
export const PlanFallbackReasonSchema = z.enum([
  /** No preview of this content, stack and packs saved a plan (or it expired). */
  'NoPlan',
  /** The stack's state changed since the preview (another apply, a refresh, a person's update). */
  'StackMoved',
  /** The engine refused the plan during the update (the program or its config did not do what was previewed). */
  'PlanRefused',
  /** A refresh-first run (drift reconcile): the plan was made against the state, not the cloud. */
  'Refresh',
]);
export type PlanFallbackReason = z.infer<typeof PlanFallbackReasonSchema>;

/** What a run did with update plans, as its record keeps it. */
export const RunPlanSchema = z.object({
  /** `sha256:…` of the plan saved by this run's preview, or of the plan its apply used or tried. */
  digest: z.string().optional(),
  /** Preview: the plan was saved to the cache. Apply: whether the update ran under the plan to the end. */
  saved: z.boolean().optional(),
  used: z.boolean().optional(),
  /** Why an apply previewed afresh instead. */
  reason: PlanFallbackReasonSchema.optional(),
});
export type RunPlan = z.infer<typeof RunPlanSchema>;

export type PlanDecision = { use: true; plan: SavedPlan } | { use: false; reason: PlanFallbackReason; digest?: string };

/**
 * Whether an apply runs `up --plan` with the saved plan or previews afresh:
 * only the plan of the same content (the key), saved when the stack's state
 * was what it is now, and never on a refresh-first run.
 */
export function decidePlanUse(saved: SavedPlan | undefined, current: StackStateVersion, options: { refresh?: boolean } = {}): PlanDecision {
  if (options.refresh) return { use: false, reason: 'Refresh' };
  if (!saved) return { use: false, reason: 'NoPlan' };
  if (saved.stateVersion !== current) return { use: false, reason: 'StackMoved', digest: saved.digest };
  return { use: true, plan: saved };
}

/** Whether a preview's plan is worth keeping: only a clean preview's, and not a refresh-first one (its apply never uses it). */
export function shouldSavePlan(preview: { ok: boolean; mandatoryViolations: number }, options: { refresh?: boolean } = {}): boolean {
  return preview.ok && preview.mandatoryViolations === 0 && !options.refresh;
}
