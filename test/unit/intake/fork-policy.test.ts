import assert from 'node:assert/strict';
import { ignoredFork } from '../../../orchestrator/intake/fork-policy.ts';
import type { GitEvent, PullRequestEvent } from '../../../orchestrator/source/git-event.ts';

const pullRequest = (fields: Partial<PullRequestEvent> = {}): PullRequestEvent => ({
  kind: 'pull_request',
  forge: 'github',
  deliveryId: 'd-1',
  repoName: 'acme/infra',
  cloneUrls: ['https://github.com/acme/infra.git'],
  receivedAt: '2026-11-30T10:00:00.000Z',
  number: 12,
  action: 'opened',
  headSha: 'c'.repeat(40),
  headRef: 'feature/x',
  baseRef: 'main',
  merged: false,
  headRepo: 'acme/infra',
  fork: false,
  ...fields,
});
const push: GitEvent = { kind: 'push', forge: 'github', deliveryId: 'd-2', repoName: 'acme/infra', cloneUrls: ['x'], receivedAt: '2026-11-30T10:00:00.000Z', ref: 'refs/heads/main', after: 'a'.repeat(40) };

describe('intake: pull requests from forks', () => {
  it('ignores a fork\'s pull request by default, saying whose and why', () => {
    assert.deepEqual(ignoredFork({}, pullRequest({ fork: true, headRepo: 'mallory/infra' })), {
      reason: 'fork-pull-request',
      message: 'pull request #12 comes from the fork mallory/infra: its code is not run (pullRequests.forks is ignore)',
    });
    assert.equal(ignoredFork({ pullRequests: { forks: 'ignore' } }, pullRequest({ fork: true }))?.reason, 'fork-pull-request');
  });

  it('says so when the forge does not name the head repository', () => {
    const { headRepo: _, ...unnamed } = pullRequest({ fork: true });
    assert.match(ignoredFork({}, unnamed)?.message ?? '', /a repository the forge does not name/);
  });

  it('previews a fork\'s pull request only when the repository opted in', () => {
    assert.equal(ignoredFork({ pullRequests: { forks: 'preview' } }, pullRequest({ fork: true })), undefined);
  });

  it('leaves branches of the repository itself, and pushes, alone', () => {
    assert.equal(ignoredFork({}, pullRequest()), undefined);
    assert.equal(ignoredFork({}, push), undefined);
  });
});
