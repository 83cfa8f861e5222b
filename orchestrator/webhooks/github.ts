import { ignoreEvent } from './forge-receiver.ts';
import type { ForgeReceiver } from './forge-receiver.ts';
import { githubStylePullRequest, githubStylePush } from './github-style.ts';

/** GitHub's pull request actions that change what would be deployed; every other one is 'other'. */
const PULL_REQUEST_ACTIONS = {
  opened: 'opened',
  synchronize: 'synchronize',
  reopened: 'reopened',
  closed: 'closed',
} as const;

const pullRequest = githubStylePullRequest(PULL_REQUEST_ACTIONS);

/** GitHub: `X-GitHub-Event` names the event; `ping` arrives when a webhook is created. */
export const githubReceiver: ForgeReceiver = {
  label: 'GitHub',
  // GitHub signs the raw form body, so its `payload=` encoding is safe to accept.
  formPayload: true,
  route(eventName) {
    switch (eventName) {
      case 'push':
        return { kind: 'map', map: githubStylePush };
      case 'pull_request':
        return { kind: 'map', map: pullRequest };
      case 'ping':
        return { kind: 'ignore', reason: 'GitHub ping: the webhook is set up; nothing to do' };
      default:
        return ignoreEvent('GitHub', eventName);
    }
  },
};
