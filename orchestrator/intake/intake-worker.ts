import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { graphAtIntake, mergeDeclaredLinks } from '../graph/declared-at-commit.ts';
import { graphOfStatuses, orderRank } from '../graph/stack-graph.ts';
import { declaredAtCommit } from './declared-links-at-commit.ts';
import { affectedStacks } from '../plan/affected-stacks.ts';
import type { ProjectLayout } from '../plan/project-layout.ts';
import { commitOfDeployJobId, type Trigger } from '../queue/deploy-job.ts';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import { StackIdSchema, stackKey, type StackId } from '../model/stack-key.ts';
import type { RunStore } from '../records/run-store.ts';
import { applyFailed } from '../records/stack-status.ts';
import { GitEventSchema, type GitEvent, type PullRequestEvent } from '../source/git-event.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { eventTrigger } from './event-trigger.ts';
import type { PullRequestSettings } from './fork-policy.ts';
import { INTAKE_QUEUE } from './intake-queue.ts';
import { projectsAtCommit } from './projects-at-commit.ts';
import { matchRepo } from './repo-match.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';

export interface IntakeRepo {
  id: string;
  url: string;
  deployBranch: string;
  policyPacks: string[];
  /** Only these stacks; all when undefined. */
  stacks?: string[];
  /** Pull requests from forks: ignored unless `forks` is `preview`. */
  pullRequests?: PullRequestSettings;
}

export interface IntakeDeps {
  connection: Redis;
  prefix?: string;
  repos: readonly IntakeRepo[];
  fetcher: SourceFetcher;
  store: RunStore;
  deployQueue: DeployQueue;
  emit?: TimelineSink;
  /**
   * A pull request into a watched repository was closed on the forge, merged
   * or not: if it was one of our review items, the remediation side settles it
   * (a merge at the checked commit approves it, a close unmerged rejects it).
   */
  pullRequestClosed?: (repoId: string, event: PullRequestEvent) => Promise<unknown>;
  /**
   * Opens the promotion of a commit of the deploy branch over the stacks it
   * changes (`promote/`), before their jobs are queued; returns its waves'
   * stacks, undefined when the commit is not promoted.
   */
  openPromotion?: (repoId: string, commit: string, stackKeys: readonly string[]) => Promise<{ waves: readonly { stacks: readonly string[] }[] } | undefined>;
  /** Every job of the promoted commit is queued: a stack of it without a job now has moved on to a newer commit. */
  promotionQueued?: (repoId: string, commit: string) => Promise<unknown>;
}

/** What planning one event decided. */
export interface IntakePlan {
  repo?: string;
  commit?: string;
  apply: boolean;
  targets: { target: StackId; reason: string; jobId: string; added: boolean }[];
  /** Stacks of the commit whose names are not safe to run (a `..` folder, a hidden name): never queued. */
  refused?: { project: string; stack: string; reason: string }[];
  /** Affected stacks whose `homeostat:dependsOn` at the commit is bad: named, ordered by their recorded links; their apply stops on it. */
  invalid?: { stackKey: string; message: string }[];
  ignored?: string;
}

/**
 * Plans one Git event: which watched repository, which commit, and which of
 * its stacks the change affects, each measured against the commit last
 * applied to that stack; then enqueues a deploy job per affected stack
 * (apply on the deploy branch, preview for a pull request).
 */
export async function planEvent(deps: IntakeDeps, event: GitEvent): Promise<IntakePlan> {
  const repo = matchRepo(deps.repos, event.cloneUrls);
  if (!repo) return { apply: false, targets: [], ignored: `repository ${event.repoName} is not watched` };
  // A merge itself reaches the deploy branch as a push; here only a review item a close may settle.
  if (event.kind === 'pull_request' && event.action === 'closed') await deps.pullRequestClosed?.(repo.id, event);
  const decided = eventTrigger(repo, event);
  if (!decided.run) return { repo: repo.id, apply: false, targets: [], ignored: decided.ignored };
  const { commit, apply, trigger } = decided;
  let fallbackBase = decided.fallbackBase;

  // source: make the commit (and its branches) known to the mirror.
  await deps.fetcher.resolve(repo.url, commit);
  const projects = await projectsAtCommit(deps.fetcher, repo.url, commit);
  if (event.kind === 'pull_request') {
    fallbackBase ??= await deps.fetcher.mergeBase(repo.url, `refs/heads/${event.baseRef}`, commit);
  }

  // plan: each stack against its own base; stacks sharing a base share one diff.
  const diffs = new Map<string, string[]>();
  const targets: IntakePlan['targets'] = [];
  const refused: NonNullable<IntakePlan['refused']> = [];
  const affected: { target: StackId; reason: string; project: ProjectLayout }[] = [];
  for (const project of projects) {
    for (const stack of project.stacks) {
      if (repo.stacks && !repo.stacks.includes(stack)) continue;
      // The commit names its projects and stacks: names that could leave the checkout are refused here.
      const named = StackIdSchema.safeParse({ repo: repo.id, project: project.dir, stack });
      if (!named.success) {
        refused.push({ project: project.dir, stack, reason: named.error.issues.map((i) => i.message).join('; ') });
        continue;
      }
      const target: StackId = named.data;
      const reason = await reasonToRun(deps, { repo, commit, apply, fallbackBase, diffs }, target, { ...project, stacks: [stack] });
      if (reason) affected.push({ target, reason, project });
    }
  }
  const { declared } = await queueInOrder(deps, repo, { commit, apply, trigger }, affected, targets);
  const invalid = declared.invalid.length > 0 ? { invalid: declared.invalid } : {};
  return { repo: repo.id, commit, apply, targets, ...(refused.length > 0 ? { refused } : {}), ...invalid };
}

/** The event's commit and what its stacks are compared with; `diffs` is shared by stacks of the same base. */
interface PlanContext {
  repo: IntakeRepo;
  commit: string;
  apply: boolean;
  fallbackBase: string | undefined;
  diffs: Map<string, string[]>;
}

/** Why the event runs one stack (`single`: its project with that stack only), measured against its own base; undefined: it does not. */
async function reasonToRun(deps: IntakeDeps, { repo, commit, apply, fallbackBase, diffs }: PlanContext, target: StackId, single: ProjectLayout): Promise<string | undefined> {
  const status = await deps.store.status(stackKey(target));
  const base = apply ? status.appliedCommit ?? undefined : fallbackBase;
  const changedSince = async (from: string) => {
    let changed = diffs.get(from);
    if (!changed) {
      changed = await deps.fetcher.changedFiles(repo.url, from, commit);
      diffs.set(from, changed);
    }
    return affectedStacks([single], changed, repo.policyPacks)[0]?.reason;
  };
  // The commit of the stack's last apply when the stack is not Ready after it.
  const tried = apply && status.observedCommit !== commit && !status.conditions.Ready.status ? status.observedCommit : undefined;
  let reason: string | undefined;
  if (base === undefined) {
    // A stack that never applied and whose apply failed (a plugin or credentials missing) runs again when its
    // files changed since, as a failed stack below does; not on every push to the deploy branch, where it took
    // the engine from the stacks the push did change. A person runs it at once with POST /api/stacks/:key/up.
    if (tried && applyFailed(status)) {
      // A commit gone from the mirror (force-pushed away) cannot be compared with: the stack runs.
      const since = await changedSince(tried).then(
        (changed) => changed && `${changed}, since its failed run of ${tried.slice(0, 12)}`,
        () => `its failed run's commit ${tried.slice(0, 12)} is no longer known`,
      );
      reason = since ? `never applied; ${since}` : undefined;
    } else reason = apply ? 'never applied' : 'no base to compare with';
  } else if (base !== commit) {
    reason = await changedSince(base);
    // A newer apply of the stack may be queued or running: a push that sets the files back to what
    // was applied is then no change against `base`, yet the queued commit would be what stays (bench:load found it).
    const queued = apply && !reason ? commitOfDeployJobId(await deps.deployQueue.latestApply(target)) : undefined;
    if (queued && queued !== base && queued !== commit) {
      const since = await changedSince(queued);
      if (since) reason = `${since}, since the queued ${queued.slice(0, 12)}`;
    }
    // A stack whose last run failed is run again when its files changed since that run, even
    // back to what was applied (a bad change undone): otherwise it stays failed on a commit long gone.
    if (!reason && tried && tried !== base) {
      const since = await changedSince(tried);
      if (since) reason = `${since}, since its failed run of ${tried.slice(0, 12)}`;
    }
  }
  return reason;
}

/**
 * Queues the affected stacks' jobs: dependencies first (a stack's job after
 * those of the stacks it reads, so that workers take them in that order; the
 * commit's declared dependsOn counts too, since a first push has no
 * references yet), and, under a promotion, wave by wave.
 */
async function queueInOrder(
  deps: IntakeDeps,
  repo: IntakeDeps['repos'][number],
  run: { commit: string; apply: boolean; trigger: Trigger },
  affected: { target: StackId; reason: string; project: ProjectLayout }[],
  targets: IntakePlan['targets'],
): Promise<{ declared: Awaited<ReturnType<typeof declaredAtCommit>> }> {
  const { commit, apply, trigger } = run;
  // Dependencies first: a stack's job is queued after those of the stacks it reads, so that workers
  // take them in that order. The commit's declared dependsOn counts too: a first push has no references yet.
  const declared = await declaredAtCommit(deps.fetcher, repo.url, commit, affected);
  const graph = graphOfStatuses(mergeDeclaredLinks(await deps.store.statuses(), declared.links));
  const rank = orderRank(graph);
  affected.sort((a, b) => (rank.get(stackKey(a.target)) ?? 0) - (rank.get(stackKey(b.target)) ?? 0));
  // Before the jobs: a later wave's job must find its promotion holding it back. And wave by wave
  // (stable, so the graph's order holds within a wave): when a later wave's job is first looked at,
  // the jobs of the waves before it are queued, and their stacks are seen as applying, not as unchanged.
  const promotion = apply && affected.length > 0 ? await deps.openPromotion?.(repo.id, commit, affected.map((a) => stackKey(a.target))) : undefined;
  if (promotion) {
    const wave = (key: string) => Math.max(0, promotion.waves.findIndex((w) => w.stacks.includes(key)));
    affected.sort((a, b) => wave(stackKey(a.target)) - wave(stackKey(b.target)));
  }
  for (const { target, reason } of affected) {
    const { jobId, added } = await deps.deployQueue.enqueue(target, commit, apply, trigger, {
      // Older only when it is an ancestor of the stack's newest queued commit;
      // a force-pushed (unrelated) commit is newer by arrival.
      isNewerThan: async (latest) => !(await deps.fetcher.isAncestor(repo.url, commit, latest)),
      graph: graphAtIntake(graph, stackKey(target)),
    });
    targets.push({ target, reason, jobId, added });
  }
  if (promotion) await deps.promotionQueued?.(repo.id, commit);
  return { declared };
}

export interface IntakeWorker {
  close(): Promise<void>;
}

/** Takes Git events off the intake queue and plans each. */
export function startIntakeWorker(deps: IntakeDeps): IntakeWorker {
  const emit = deps.emit ?? (() => {});
  const worker = new Worker<GitEvent>(
    INTAKE_QUEUE,
    async (job: Job<GitEvent>) => {
      const event = GitEventSchema.parse(job.data);
      const plan = await planEvent(deps, event);
      const what = event.kind === 'push' ? `push to ${event.ref}` : `pull request #${event.number}`;
      if (plan.ignored) {
        emit(timelineEvent('push', `${what}: ${plan.ignored}`, { outcome: 'ignored' }));
      } else {
        const stacks = plan.targets.map((t) => `${t.target.stack} (${t.reason})`).join(', ') || 'none';
        emit(timelineEvent('push', `${what} (${event.forge}): affects ${stacks}`, { ...(plan.commit ? { commit: plan.commit } : {}), details: { targets: plan.targets.length } }));
      }
      for (const i of plan.invalid ?? []) {
        emit(timelineEvent('error', `${what}: ${i.message} (${i.stackKey} is ordered by its recorded links; its apply will stop on this)`, { ...(plan.commit ? { commit: plan.commit } : {}), outcome: 'invalid' }));
      }
      for (const r of plan.refused ?? []) {
        emit(timelineEvent('error', `${what}: stack ${r.stack} in ${r.project || 'the root'} is not run: ${r.reason}`, { ...(plan.commit ? { commit: plan.commit } : {}), outcome: 'refused' }));
      }
      return plan;
    },
    { connection: deps.connection, prefix: deps.prefix ?? 'homeostat', concurrency: 4 },
  );
  worker.on('error', throttledErrors((err) => emit(timelineEvent('error', `intake worker: ${err.message}`))));
  return { close: () => worker.close() };
}
