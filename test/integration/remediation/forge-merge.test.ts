import assert from 'node:assert/strict';
import type { ReviewItem } from '../../../orchestrator/remediate/remediation-record.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { WEBHOOK_SECRET } from '../../support/gitops-fixture.ts';
import { createRemediationFixture, type RemediationFixture } from '../../support/remediation-fixture.ts';
import { as } from '../../support/test-tokens.ts';
import { githubRepository, pushPayload, sendGithubWebhook } from '../../support/webhooks.ts';

const PERSON = { GIT_AUTHOR_NAME: 'M', GIT_AUTHOR_EMAIL: 'm@example.com', GIT_COMMITTER_NAME: 'M', GIT_COMMITTER_EMAIL: 'm@example.com' };

/**
 * A person merges a proposal's branch on the forge instead of approving its
 * review item here. The forge's own merge is what reaches the deploy branch;
 * the rule is the one an approval follows: only the commit that passed the
 * policy check counts as the remediation.
 */
describe('remediation: a proposal merged on the forge', function () {
  this.timeout(900_000);
  // Live metrics paced by the wall clock on a shared two-core machine: one retry before a case counts as failed.
  this.retries(1);
  let f: RemediationFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  async function openReview(): Promise<ReviewItem> {
    const rec = await f!.remediationIn(['review', 'rejected', 'no-action', 'failed']);
    assert.equal(rec.state, 'review', rec.message);
    const { reviews } = (await (await fetch(`${f!.service.url}/api/reviews?status=open`, { headers: as('viewer', false) })).json()) as { reviews: ReviewItem[] };
    assert.equal(reviews.length, 1);
    return reviews[0]!;
  }

  /** What the forge does on "Merge pull request": a merge commit on main, pushed, then both webhooks. */
  async function mergeOnForge(review: ReviewItem, number: number): Promise<{ head: string; merge: string }> {
    const { fx, service, mainLog } = f!;
    const work = fx.repo.workDir;
    const before = (await mainLog('%H')).split('\n')[0]!;
    await git(['fetch', '-q', 'origin', `+main:refs/remotes/origin/main`, `+${review.branch}:refs/remotes/origin/${review.branch}`], { cwd: work });
    const head = (await git(['rev-parse', `refs/remotes/origin/${review.branch}`], { cwd: work })).trim();
    await git(['checkout', '-q', '-B', 'main', 'refs/remotes/origin/main'], { cwd: work });
    await git(['merge', '-q', '--no-ff', '-m', `Merge pull request #${number} from ${review.branch}`, `refs/remotes/origin/${review.branch}`], { cwd: work, env: PERSON });
    await git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: work });
    const merge = (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
    const url = `${service.url}/webhooks/infra`;
    const pushed = await sendGithubWebhook(url, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', before, merge) });
    assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
    const repo = githubRepository(fx.repo.remote);
    const closed = await sendGithubWebhook(url, {
      event: 'pull_request',
      secret: WEBHOOK_SECRET,
      payload: {
        action: 'closed',
        number,
        pull_request: { number, merged: true, merge_commit_sha: merge, merged_by: { login: 'alice' }, head: { ref: review.branch, sha: head, repo }, base: { ref: 'main', sha: before, repo } },
        repository: repo,
      },
    });
    assert.equal(closed.status, 202, JSON.stringify(closed.body));
    return { head, merge };
  }

  it('at the checked commit: the merge is the approval, recorded with who merged, and the merge is deployed and verified', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.99 });
    const { fx, store } = f;
    const review = await openReview();
    const { merge } = await mergeOnForge(review, 12);

    const done = await f.remediationIn(['effective', 'rolled-back', 'escalated', 'failed']);
    assert.equal(done.state, 'effective', done.events.map((e) => `${e.state}: ${e.message}`).join('\n'));
    assert.equal(done.commit, merge, 'what was verified is the forge\'s merge');
    assert.ok(fx.fleet.services()[0]!.capacity > 2, 'the scale-out was deployed');
    const decided = (await store.review(review.id))!;
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decidedBy, 'alice on github (pull request #12)');
    assert.equal(decided.mergedCommit, merge);
    const approved = await f.audit.list({ type: 'review-approved' });
    assert.equal(approved[0]?.actor, 'alice on github (pull request #12)');
  });

  it('at a head pushed after the check: not taken as the remediation (superseded, escalated); the merge is deployed like any push', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.99 });
    const { fx, store } = f;
    const review = await openReview();
    // Someone adds a commit to the checked branch, then merges the pull request on the forge.
    const work = fx.repo.workDir;
    await git(['fetch', '-q', 'origin', `${review.branch}:refs/remotes/origin/${review.branch}`], { cwd: work });
    await git(['checkout', '-q', '-B', 'sneaky', `refs/remotes/origin/${review.branch}`], { cwd: work });
    fx.setStackConfig('sandbox:instanceSize', 'large');
    await git(['commit', '-qam', 'one more thing'], { cwd: work, env: PERSON });
    await git(['push', '-q', 'origin', `HEAD:refs/heads/${review.branch}`], { cwd: work });
    const { head, merge } = await mergeOnForge(review, 13);
    assert.notEqual(head, review.commit);

    const done = await f.remediationIn(['effective', 'rolled-back', 'escalated', 'failed']);
    assert.equal(done.state, 'escalated', done.events.map((e) => `${e.state}: ${e.message}`).join('\n'));
    assert.match(done.message ?? '', /merged by alice on github \(pull request #13\): .* not at .*, the commit that passed the policy check/);
    const decided = (await store.review(review.id))!;
    assert.equal(decided.status, 'superseded');
    assert.equal(decided.decidedBy, 'alice on github (pull request #13)');
    const escalated = await f.audit.list({ type: 'escalated' });
    assert.equal(escalated[0]?.actor, 'alice on github (pull request #13)');
    // The person's merge is a push to the deploy branch: previewed with the policy packs and applied like any other.
    await fx.waitForRun(merge, 'applied');
    assert.equal(fx.fleet.services()[0]!.instanceSize, 'large');
  });
});
