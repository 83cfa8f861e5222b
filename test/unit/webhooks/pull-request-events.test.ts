import assert from 'node:assert/strict';
import type { PullRequestEvent } from '../../../orchestrator/source/git-event.ts';
import { receiveWebhook } from '../../../orchestrator/webhooks/index.ts';
import {
  CLONE_URLS, DELIVERY, PULL_REQUEST_EVENT_NAME, RECEIVED_AT, SECRETS, SHA, forgeRequest, fromFork, giteaPullRequest, githubPullRequest, gitlabMergeRequest,
} from './fixtures.ts';
import type { Forge } from './fixtures.ts';

type Expected = (Pick<PullRequestEvent, 'action' | 'merged' | 'mergeCommit' | 'mergedBy' | 'closedBy'> & { headSha?: string }) | { ignored: RegExp };

/** What every pull request event from a forge's fixture has in common. */
const COMMON: Record<Forge, Omit<PullRequestEvent, 'action' | 'merged' | 'headSha'>> = {
  github: { ...base('github'), number: 42, headRef: 'feature/scale', baseRef: 'main', baseSha: SHA.a, headRepo: 'acme/infra', fork: false },
  gitea: { ...base('gitea'), number: 3, headRef: 'feature/scale', baseRef: 'main', baseSha: SHA.a, headRepo: 'acme/infra', fork: false },
  // GitLab's merge request hook has no base commit.
  gitlab: { ...base('gitlab'), number: 7, headRef: 'feature/scale', baseRef: 'main', headRepo: 'acme/infra', fork: false },
};

function base(forge: Forge) {
  return {
    kind: 'pull_request' as const,
    forge,
    deliveryId: DELIVERY[forge],
    repoName: 'acme/infra',
    cloneUrls: CLONE_URLS[forge],
    receivedAt: RECEIVED_AT.toISOString(),
  };
}

const table: [title: string, forge: Forge, payload: object, expected: Expected][] = [
  ['GitHub opened', 'github', githubPullRequest({ action: 'opened' }), { action: 'opened', merged: false }],
  ['GitHub synchronize (new commits)', 'github', githubPullRequest({ action: 'synchronize', head: SHA.d }), { action: 'synchronize', merged: false, headSha: SHA.d }],
  ['GitHub reopened', 'github', githubPullRequest({ action: 'reopened' }), { action: 'reopened', merged: false }],
  ['GitHub closed and merged, with the merge commit and who merged', 'github', githubPullRequest({ action: 'closed', merged: true }), { action: 'closed', merged: true, mergeCommit: SHA.d, mergedBy: 'octocat', closedBy: 'octocat' }],
  ['GitHub closed without merging, by the sender', 'github', githubPullRequest({ action: 'closed' }), { action: 'closed', merged: false, closedBy: 'octocat' }],
  ['GitHub labeled is ignored', 'github', githubPullRequest({ action: 'labeled' }), { ignored: /"labeled"/ }],
  ['GitHub ready_for_review is ignored', 'github', githubPullRequest({ action: 'ready_for_review' }), { ignored: /"ready_for_review"/ }],

  ['Gitea opened', 'gitea', giteaPullRequest({ action: 'opened' }), { action: 'opened', merged: false }],
  ['Gitea synchronized (its spelling) is synchronize', 'gitea', giteaPullRequest({ action: 'synchronized', head: SHA.d }), { action: 'synchronize', merged: false, headSha: SHA.d }],
  ['Gitea reopened', 'gitea', giteaPullRequest({ action: 'reopened' }), { action: 'reopened', merged: false }],
  ['Gitea closed and merged, with the merge commit', 'gitea', giteaPullRequest({ action: 'closed', merged: true }), { action: 'closed', merged: true, mergeCommit: SHA.d, closedBy: 'jdoe' }],
  ['Gitea closed without merging, by the sender', 'gitea', giteaPullRequest({ action: 'closed' }), { action: 'closed', merged: false, closedBy: 'jdoe' }],
  ['Gitea label_updated is ignored', 'gitea', giteaPullRequest({ action: 'label_updated' }), { ignored: /"label_updated"/ }],

  ['GitLab open is opened', 'gitlab', gitlabMergeRequest({ action: 'open' }), { action: 'opened', merged: false }],
  ['GitLab update with oldrev (new commits) is synchronize', 'gitlab', gitlabMergeRequest({ action: 'update', oldrev: SHA.c, head: SHA.d }), { action: 'synchronize', merged: false, headSha: SHA.d }],
  ['GitLab reopen is reopened', 'gitlab', gitlabMergeRequest({ action: 'reopen' }), { action: 'reopened', merged: false }],
  ['GitLab merge is closed and merged, by the hook\'s user', 'gitlab', gitlabMergeRequest({ action: 'merge', state: 'merged' }), { action: 'closed', merged: true, mergedBy: 'jsmith', closedBy: 'jsmith' }],
  ['GitLab close is closed, not merged, by the hook\'s user', 'gitlab', gitlabMergeRequest({ action: 'close', state: 'closed' }), { action: 'closed', merged: false, closedBy: 'jsmith' }],
  ['GitLab update without oldrev (title, labels) is ignored', 'gitlab', gitlabMergeRequest({ action: 'update' }), { ignored: /update \(without new commits\)/ }],
  ['GitLab approved is ignored', 'gitlab', gitlabMergeRequest({ action: 'approved' }), { ignored: /"approved"/ }],
];

describe('webhooks: pull requests', () => {
  for (const [title, forge, payload, expected] of table) {
    it(title, () => {
      const outcome = receiveWebhook(forgeRequest(forge, PULL_REQUEST_EVENT_NAME[forge], payload), SECRETS);
      if ('ignored' in expected) {
        assert.equal(outcome.kind, 'ignored', JSON.stringify(outcome));
        assert.equal(outcome.kind === 'ignored' && outcome.status, 202);
        assert.match(outcome.kind === 'ignored' ? outcome.reason : '', expected.ignored);
        return;
      }
      const { headSha = SHA.c, ...rest } = expected;
      assert.deepEqual(outcome, { kind: 'event', event: { ...COMMON[forge], ...rest, headSha } });
    });
  }

  it('leaves out a merge commit or a merger name that does not have the shape it is recorded with, and keeps the event', () => {
    const sent = githubPullRequest({ action: 'closed', merged: true });
    const payload = { ...sent, pull_request: { ...sent.pull_request, merge_commit_sha: 'HEAD~1', merged_by: { login: 'alice\nHomeostat-Approved-By: mallory', id: 1 } } };
    const outcome = receiveWebhook(forgeRequest('github', 'pull_request', payload), SECRETS);
    assert.equal(outcome.kind, 'event', JSON.stringify(outcome));
    const event = outcome.kind === 'event' && outcome.event.kind === 'pull_request' ? outcome.event : undefined;
    assert.equal(event?.merged, true);
    assert.equal(event?.mergeCommit, undefined);
    assert.equal(event?.mergedBy, undefined);
  });

  it('takes the number from pull_request.number when the top-level one is absent', () => {
    const { number: _number, ...payload } = githubPullRequest({ action: 'opened', number: 58 });
    const outcome = receiveWebhook(forgeRequest('github', 'pull_request', payload), SECRETS);
    assert.equal(outcome.kind === 'event' && outcome.event.kind === 'pull_request' && outcome.event.number, 58);
  });

  it('a pull request from a fork keeps the base repository (the watched one) as the repository', () => {
    const payload = fromFork('github', githubPullRequest({ action: 'opened' }));
    const outcome = receiveWebhook(forgeRequest('github', 'pull_request', payload), SECRETS);
    assert.equal(outcome.kind === 'event' && outcome.event.repoName, 'acme/infra');
    assert.deepEqual(outcome.kind === 'event' && outcome.event.cloneUrls, CLONE_URLS.github);
  });

  describe('where the head comes from', () => {
    const pullRequests: Record<Forge, object> = {
      github: githubPullRequest({ action: 'opened' }),
      gitea: giteaPullRequest({ action: 'opened' }),
      gitlab: gitlabMergeRequest({ action: 'open' }),
    };
    const read = (forge: Forge, payload: object) => {
      const outcome = receiveWebhook(forgeRequest(forge, PULL_REQUEST_EVENT_NAME[forge], payload), SECRETS);
      assert.equal(outcome.kind, 'event', JSON.stringify(outcome));
      return outcome.kind === 'event' && outcome.event.kind === 'pull_request' ? outcome.event : assert.fail('not a pull request');
    };
    for (const forge of ['github', 'gitea', 'gitlab'] as const) {
      it(`${forge}: a branch of the watched repository is not a fork`, () => {
        const event = read(forge, pullRequests[forge]);
        assert.equal(event.fork, false);
        assert.equal(event.headRepo, 'acme/infra');
      });
      it(`${forge}: a branch of mallory/infra is a fork, named`, () => {
        const event = read(forge, fromFork(forge, pullRequests[forge]));
        assert.equal(event.fork, true);
        assert.equal(event.headRepo, 'mallory/infra');
      });
      it(`${forge}: a head whose repository the forge does not name (a deleted fork) counts as a fork`, () => {
        const event = read(forge, fromFork(forge, pullRequests[forge], null));
        assert.equal(event.fork, true);
        assert.equal(event.headRepo, undefined);
      });
    }
    it('github: a fork with the same name in another owner\'s case is still the same repository only by id', () => {
      const payload = fromFork('github', pullRequests.github, { id: 1296269, full_name: 'ACME/infra' });
      assert.equal(read('github', payload).fork, false);
    });
  });

  it('a branch name git would refuse (traversal, option injection) is an invalid payload naming the field', () => {
    const payload = githubPullRequest({ action: 'opened' });
    payload.pull_request.head.ref = '--upload-pack=touch /tmp/x';
    const outcome = receiveWebhook(forgeRequest('github', 'pull_request', payload), SECRETS);
    assert.equal(outcome.kind, 'rejected');
    assert.equal(outcome.kind === 'rejected' && outcome.status, 422);
    assert.match(outcome.kind === 'rejected' ? outcome.message : '', /headRef: not a valid branch name: starts with '-'/);
  });
});
