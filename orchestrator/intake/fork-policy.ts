import type { GitEvent } from '../source/git-event.ts';

/** What a repository does with pull requests whose head lives in another repository (a fork). */
export interface PullRequestSettings {
  /** `preview` runs the fork's code in a preview like any pull request; `ignore` (the default) runs nothing. */
  forks: 'preview' | 'ignore';
}

/** An event that is valid but not acted on, with a fixed reason and a sentence for people. */
export interface IgnoredEvent {
  reason: 'fork-pull-request';
  message: string;
}

/**
 * Whether an event is left alone because it is a pull request from a fork
 * the repository has not opted in to. A preview runs the head's program and
 * policy pack: from a fork, that is anyone's code, so it is never run unless
 * `pullRequests.forks` is `preview`. Pure.
 */
export function ignoredFork(repo: { pullRequests?: PullRequestSettings | undefined }, event: GitEvent): IgnoredEvent | undefined {
  if (event.kind !== 'pull_request' || !event.fork) return undefined;
  if ((repo.pullRequests?.forks ?? 'ignore') === 'preview') return undefined;
  const from = event.headRepo ? `the fork ${event.headRepo}` : 'a repository the forge does not name';
  return {
    reason: 'fork-pull-request',
    message: `pull request #${event.number} comes from ${from}: its code is not run (pullRequests.forks is ignore)`,
  };
}
