import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPlanRefusal } from '../engine/engine-errors.ts';
import type { RunOptions, RunResult, StackRef, StackRunner } from '../engine/stack-runner.ts';
import { decidePlanUse, shouldSavePlan, type RunPlan } from '../plan/update-plan.ts';
import type { PlanStore } from '../records/plan-store.ts';

/**
 * The engine runs of a deploy with update plans: a preview that saves its
 * plan to the service's cache, and an apply that runs within the plan saved
 * for the same content and stack state, or previews afresh and says why.
 */

/** Where one deploy's plan lives, and what it is saved with. */
export interface PlanContext {
  store: PlanStore;
  /** From `planKey` (content, stack, policy packs). */
  key: string;
  commit: string;
  /** The run that saves the plan, to find its preview. */
  runId?: string;
}

/** `sha256:<hex>` of a plan file's text. */
export function planDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

async function withPlanFile<T>(body: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'homeostat-plan-'));
  try {
    return await body(join(dir, 'plan.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * preview (+ policy), saving the engine's plan when the preview is clean.
 * The stack's state version is read first: a change after that reading makes
 * the apply see a moved stack and preview afresh, never use a stale plan.
 */
export async function previewSavingPlan(runner: StackRunner, ref: StackRef, options: RunOptions, plans: PlanContext): Promise<{ preview: RunResult; plan?: RunPlan }> {
  // A refresh-first preview's plan is never used (decidePlanUse): no plan, and no state to read for it.
  if (options.refresh) return { preview: await runner.run('preview', ref, options) };
  const stateVersion = await runner.stateVersion(ref);
  return withPlanFile(async (file) => {
    const preview = await runner.run('preview', ref, { ...options, savePlan: file });
    const mandatoryViolations = preview.summary.policyViolations.filter((v) => v.level === 'mandatory').length;
    if (!shouldSavePlan({ ok: preview.ok, mandatoryViolations }, options)) return { preview };
    const text = await readFile(file, 'utf8');
    const digest = planDigest(text);
    await plans.store.save(plans.key, { digest, stateVersion, commit: plans.commit, ...(plans.runId ? { runId: plans.runId } : {}), savedAt: new Date().toISOString(), plan: text });
    return { preview, plan: { digest, saved: true } };
  });
}

/**
 * apply: within the saved plan when it fits (same content, same stack
 * state), with no preview of its own; otherwise, or when the engine refuses
 * the plan midway, a fresh preview (+ policy) and update in one engine
 * process, as without plans. The engine stops at the first resource that
 * leaves the plan, so a refused run may have applied the resources before it;
 * the fresh run then brings the stack to the commit, which is what was asked.
 */
export async function applyWithPlan(runner: StackRunner, ref: StackRef, options: RunOptions, plans: PlanContext): Promise<{ run: RunResult; plan: RunPlan }> {
  const saved = options.refresh ? undefined : await plans.store.get(plans.key);
  // The state is read (one engine call) only when there is a plan to hold it against.
  const decision = decidePlanUse(saved, saved ? await runner.stateVersion(ref) : '', options);
  if (!decision.use) {
    const run = await runner.run('apply', ref, options);
    return { run, plan: { used: false, reason: decision.reason, ...(decision.digest ? { digest: decision.digest } : {}) } };
  }
  const planned = await withPlanFile(async (file) => {
    await writeFile(file, decision.plan.plan, { mode: 0o600 });
    return runner.run('apply', ref, { ...options, plan: file });
  });
  const digest = decision.plan.digest;
  if (planned.ok || !isPlanRefusal(planned.error ?? planned.summary.errors.join('\n'))) return { run: planned, plan: { digest, used: true } };
  const run = await runner.run('apply', ref, options);
  return { run, plan: { digest, used: false, reason: 'PlanRefused' } };
}
