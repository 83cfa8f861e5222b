import assert from 'node:assert/strict';
import { forgeCloseVerdict, forgeMergeVerdict } from '../../../orchestrator/remediate/forge-merge.ts';
import type { ReviewItem } from '../../../orchestrator/remediate/remediation-record.ts';
import type { PullRequestEvent } from '../../../orchestrator/source/git-event.ts';

const CHECKED = 'c'.repeat(40);
const MOVED = 'd'.repeat(40);
const MERGE = 'e'.repeat(40);
const repo = { id: 'infra', deployBranch: 'main' };

const item: ReviewItem = {
  id: 'rv-1', remediationId: 'rm-1', status: 'open', createdAt: '2026-12-01T00:00:00Z', stackKey: 'infra/./sandbox', repoId: 'infra', incidentId: 'i-1', playbook: 'scale-out',
  title: 'Scale out', explanation: '', confidence: 0.8, risk: 'low', branch: 'homeostat/rm-1', commit: CHECKED, checkedCommit: 'f'.repeat(40), reasons: [],
};

function merged(change: Partial<PullRequestEvent> = {}): PullRequestEvent {
  return {
    kind: 'pull_request', forge: 'github', deliveryId: 'd-1', repoName: 'acme/infra', cloneUrls: ['https://github.example/acme/infra.git'], receivedAt: '2026-12-01T00:10:00Z',
    number: 7, action: 'closed', headSha: CHECKED, headRef: 'homeostat/rm-1', baseRef: 'main', merged: true, mergeCommit: MERGE, mergedBy: 'alice', fork: false, ...change,
  };
}

describe('a pull request merged on the forge', () => {
  it('at the checked commit is the approval, by the forge account that merged it, and the merge commit is what to deploy', () => {
    assert.deepEqual(forgeMergeVerdict([item], repo, merged()), { kind: 'checked', item, by: 'alice on github (pull request #7)', commit: MERGE });
  });

  it('without a merge commit from the forge, waits for the deploy of a head that contains the checked commit', () => {
    const { mergeCommit: _m, mergedBy: _b, ...event } = merged();
    assert.deepEqual(forgeMergeVerdict([item], repo, event), { kind: 'checked', item, by: 'someone on github (pull request #7)', commit: CHECKED });
  });

  it('at a head that moved since the check is not taken as the remediation, and says why', () => {
    const verdict = forgeMergeVerdict([item], repo, merged({ headSha: MOVED }));
    assert.equal(verdict.kind, 'unchecked');
    assert.match(verdict.kind === 'unchecked' ? verdict.message : '', /merged at dddddddddddd, not at cccccccccccc, the commit that passed the policy check/);
  });

  const notOurs: [string, PullRequestEvent][] = [
    ['closed without merging', merged({ merged: false })],
    ['an update, not a merge', merged({ action: 'synchronize' })],
    ['another branch', merged({ headRef: 'feature/x' })],
    ['into another base than the deploy branch', merged({ baseRef: 'staging' })],
    ['from a fork with the same branch name', merged({ fork: true })],
  ];
  for (const [what, event] of notOurs) {
    it(`${what}: settles no review item`, () => {
      assert.deepEqual(forgeMergeVerdict([item], repo, event), { kind: 'not-ours' });
    });
  }

  it('of another repository, or of an item already decided: settles nothing', () => {
    assert.deepEqual(forgeMergeVerdict([item], { id: 'other', deployBranch: 'main' }, merged()), { kind: 'not-ours' });
    assert.deepEqual(forgeMergeVerdict([{ ...item, status: 'approved' }], repo, merged()), { kind: 'not-ours' });
  });
});

describe('a pull request closed unmerged on the forge', () => {
  const closed = (change: Partial<PullRequestEvent> = {}) => {
    const { mergeCommit: _m, mergedBy: _b, ...event } = merged({ merged: false, closedBy: 'bob', ...change });
    return event;
  };

  it('is the rejection of the open review item on its branch, by the forge account that closed it', () => {
    assert.deepEqual(forgeCloseVerdict([item], repo, closed()), { kind: 'rejected', item, by: 'bob on github (pull request #7)', reason: 'pull request #7 closed without merging on github' });
  });

  it('on GitLab names the merge request as GitLab does (!iid)', () => {
    const verdict = forgeCloseVerdict([item], repo, closed({ forge: 'gitlab', number: 4 }));
    assert.deepEqual(verdict, { kind: 'rejected', item, by: 'bob on gitlab (merge request !4)', reason: 'merge request !4 closed without merging on gitlab' });
  });

  it('when the forge does not say who closed it, says someone', () => {
    const { closedBy: _c, ...event } = closed();
    const verdict = forgeCloseVerdict([item], repo, event);
    assert.equal(verdict.kind === 'rejected' ? verdict.by : '', 'someone on github (pull request #7)');
  });

  it('of another request from the same branch than the one we opened: rejects nothing', () => {
    const ours = { ...item, pullRequest: { number: 9, url: 'https://github.example/acme/infra/pull/9' } };
    assert.deepEqual(forgeCloseVerdict([ours], repo, closed()), { kind: 'not-ours' });
    assert.equal(forgeCloseVerdict([ours], repo, closed({ number: 9 })).kind, 'rejected');
  });

  const notOurs: [string, PullRequestEvent][] = [
    ['merged, not closed', merged()],
    ['reopened', closed({ action: 'reopened' })],
    ['another branch', closed({ headRef: 'feature/x' })],
    ['into another base than the deploy branch', closed({ baseRef: 'staging' })],
    ['from a fork with the same branch name', closed({ fork: true })],
  ];
  for (const [what, event] of notOurs) {
    it(`${what}: rejects no review item`, () => {
      assert.deepEqual(forgeCloseVerdict([item], repo, event), { kind: 'not-ours' });
    });
  }

  it('of an item already decided: rejects nothing', () => {
    assert.deepEqual(forgeCloseVerdict([{ ...item, status: 'approved' }], repo, closed()), { kind: 'not-ours' });
  });
});
