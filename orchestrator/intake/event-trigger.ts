import type { Trigger } from '../queue/deploy-job.ts';
import { branchOf, type GitEvent } from '../source/git-event.ts';
import { ignoredFork, type PullRequestSettings } from './fork-policy.ts';

/** What an event asks of a watched repository, before any Git is read. */
export type EventTrigger =
  | { run: false; ignored: string }
  | {
      run: true;
      commit: string;
      /** Apply after a clean preview (the deploy branch); false for a pull request's preview. */
      apply: boolean;
      trigger: Trigger;
      /** The commit to compare with when a stack has nothing better (the push's `before`, the pull request's base). */
      fallbackBase: string | undefined;
    };

/**
 * Whether an event starts a run on `repo`, and of which commit: a push to the
 * deploy branch applies its head; a pull request opened, updated or reopened
 * into the deploy branch previews its head; everything else (other branches,
 * tags, a deleted branch, a closed pull request, labels and reviews, a fork
 * not opted in) is ignored with a reason. Pure.
 */
export function eventTrigger(repo: { deployBranch: string; pullRequests?: PullRequestSettings | undefined }, event: GitEvent): EventTrigger {
  // A fork's code is not run unless the repository opted in (the webhook route says so too; a queued event is checked again here).
  const fork = ignoredFork(repo, event);
  if (fork) return { run: false, ignored: fork.message };
  if (event.kind === 'push') {
    const branch = branchOf(event.ref);
    if (branch !== repo.deployBranch) return { run: false, ignored: `push to ${event.ref}, not the deploy branch ${repo.deployBranch}` };
    if (!event.after) return { run: false, ignored: 'the deploy branch was deleted' };
    const trigger: Trigger = event.forge === 'poll' ? { kind: 'poll', ref: event.ref } : { kind: 'push', deliveryId: event.deliveryId, forge: event.forge, ref: event.ref };
    return { run: true, commit: event.after, apply: true, trigger, fallbackBase: event.before };
  }
  if (event.action === 'closed' || event.action === 'other') return { run: false, ignored: `pull request ${event.action}` };
  if (event.baseRef !== repo.deployBranch) return { run: false, ignored: `pull request into ${event.baseRef}, not ${repo.deployBranch}` };
  return {
    run: true,
    commit: event.headSha,
    apply: false,
    trigger: { kind: 'pull_request', deliveryId: event.deliveryId, forge: event.forge, repoName: event.repoName, number: event.number, headRef: event.headRef },
    fallbackBase: event.baseSha,
  };
}
