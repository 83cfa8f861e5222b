import { ignoreEvent } from './forge-receiver.ts';
import type { ForgeReceiver } from './forge-receiver.ts';
import { githubStylePullRequest, githubStylePush } from './github-style.ts';

/**
 * Gitea's pull request actions that change what would be deployed. New commits
 * arrive as `synchronized` (Gitea's spelling, `HookIssueSynchronized`); GitHub's
 * `synchronize` is accepted too. Every other action is 'other'.
 */
const PULL_REQUEST_ACTIONS = {
  opened: 'opened',
  synchronized: 'synchronize',
  synchronize: 'synchronize',
  reopened: 'reopened',
  closed: 'closed',
} as const;

const pullRequest = githubStylePullRequest(PULL_REQUEST_ACTIONS);

/**
 * Gitea (and Forgejo): `X-Gitea-Event` names the event. Label, assignee and sync
 * changes all arrive as `pull_request`, told apart by `action`.
 */
export const giteaReceiver: ForgeReceiver = {
  label: 'Gitea',
  // Gitea's form encoding signs the JSON inside the form, not the bytes received.
  formPayload: false,
  route(eventName) {
    switch (eventName) {
      case 'push':
        return { kind: 'map', map: githubStylePush };
      case 'pull_request':
        return { kind: 'map', map: pullRequest };
      default:
        return ignoreEvent('Gitea', eventName);
    }
  },
};
