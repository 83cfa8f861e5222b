import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackRunner } from '../engine/stack-runner.ts';
import type { IntakeQueue } from '../intake/intake-queue.ts';
import { projectsAtCommit } from '../intake/projects-at-commit.ts';
import { StackIdSchema, stackKey } from '../model/stack-key.ts';
import type { RunStore } from '../records/run-store.ts';
import { isBlank, restoreApplied } from '../records/stack-status.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import { observedPush } from '../source/git-event.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

export interface RestoreRepo {
  id: string;
  url: string;
  deployBranch: string;
  stacks?: string[];
}

export interface RestoreDeps {
  repos: readonly RestoreRepo[];
  fetcher: SourceFetcher;
  store: RunStore;
  runner: Pick<StackRunner, 'appliedCommit' | 'outputs'>;
  intake: IntakeQueue;
  emit?: TimelineSink;
}

/** What the start-up restore found, per stack it had to look up. */
export interface RestoreReport {
  restored: { stackKey: string; commit: string }[];
  /** Stacks Redis knew nothing of and the backend had no apply of ours for. */
  unknown: string[];
  /** Repositories whose deploy branch moved past a restored commit: a catch-up event was queued. */
  caughtUp: { repo: string; head: string }[];
  errors: { where: string; message: string }[];
}

/**
 * Whether the backend may hold stacks at all. A file backend whose folder has
 * no `.pulumi` yet holds none, and a new installation skips the look-up (and
 * its checkout and engine call); other backends are always asked.
 */
export function backendMayHoldStacks(backendUrl: string): boolean {
  if (!backendUrl.startsWith('file://')) return true;
  return existsSync(join(fileURLToPath(backendUrl), '.pulumi'));
}

/**
 * Start-up reconcile after Redis was lost: Git and the state backend still
 * hold the truth. For every stack of the deploy branch's head that Redis
 * knows nothing of, the commit last applied is read back from the backend's
 * update history (each apply records it, see `engine/applied-commit.ts`) and
 * written to the stack's status; then the deploy branch's head goes through
 * the intake like a push, so stacks behind it catch up and stacks already at
 * it are left alone (no commit is applied twice). Stacks with a status are
 * not touched: their records are the fresher truth. Failures are reported
 * per stack and never stop the service.
 */
export async function restoreFromBackend(deps: RestoreDeps): Promise<RestoreReport> {
  const emit = deps.emit ?? (() => {});
  const report: RestoreReport = { restored: [], unknown: [], caughtUp: [], errors: [] };
  for (const repo of deps.repos) {
    let head: string;
    let restoredHere = 0;
    // One checkout of the head serves every stack's history lookup; made only if a stack needs one.
    let artifact: SourceArtifact | undefined;
    try {
      head = await deps.fetcher.resolve(repo.url, `refs/heads/${repo.deployBranch}`);
      for (const project of await projectsAtCommit(deps.fetcher, repo.url, head)) {
        for (const stack of project.stacks) {
          if (repo.stacks && !repo.stacks.includes(stack)) continue;
          const id = StackIdSchema.safeParse({ repo: repo.id, project: project.dir, stack });
          if (!id.success) continue;
          const key = stackKey(id.data);
          try {
            if (!isBlank(await deps.store.status(key))) continue;
            artifact ??= await deps.fetcher.fetch(repo.url, head);
            const ref = { workDir: join(artifact.dir, id.data.project), stack };
            const commit = await deps.runner.appliedCommit(ref);
            if (!commit) {
              report.unknown.push(key);
              continue;
            }
            const outputs = await deps.runner.outputs(ref).catch(() => undefined);
            // Checked again just before writing: a worker of another process may have recorded a run meanwhile.
            const status = await deps.store.status(key);
            if (!isBlank(status)) continue;
            await deps.store.saveStatus(restoreApplied(status, commit, new Date().toISOString(), outputs));
            report.restored.push({ stackKey: key, commit });
            if (commit !== head) restoredHere++;
            emit(timelineEvent('service', `stack ${key}: no record in Redis; the state backend says commit ${commit.slice(0, 12)} was applied last`, { stack, commit }));
          } catch (err) {
            report.errors.push({ where: key, message: (err as Error).message });
          }
        }
      }
    } catch (err) {
      report.errors.push({ where: repo.id, message: (err as Error).message });
      continue;
    } finally {
      if (artifact) await deps.fetcher.release(artifact).catch(() => undefined);
    }
    // Behind the head: the head goes through the intake, which plans each stack against its restored commit.
    if (restoredHere > 0) {
      await deps.intake.add(observedPush({ deliveryId: `restore-${repo.id}-${head}`, repoId: repo.id, url: repo.url, branch: repo.deployBranch, after: head }));
      report.caughtUp.push({ repo: repo.id, head });
      emit(timelineEvent('service', `repository ${repo.id}: catching up with ${repo.deployBranch} at ${head.slice(0, 12)} after restoring from the state backend`, { commit: head }));
    }
  }
  for (const e of report.errors) emit(timelineEvent('error', `restore from the state backend, ${e.where}: ${e.message}`));
  return report;
}
