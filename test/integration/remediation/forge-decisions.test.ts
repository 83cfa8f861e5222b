import assert from 'node:assert/strict';
import type { ReviewItem } from '../../../orchestrator/remediate/remediation-record.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { giteaApiSpec, githubApiSpec, gitlabApiSpec, startForgeApi, type ForgeApi } from '../../support/forge-api.ts';
import { sendPush, sendRequestClosed, type TestForge } from '../../support/forge-webhooks.ts';
import { FORGE_TOKEN, WEBHOOK_SECRET } from '../../support/gitops-fixture.ts';
import { createRemediationFixture, type RemediationFixture } from '../../support/remediation-fixture.ts';
import { as } from '../../support/test-tokens.ts';

const PERSON = { GIT_AUTHOR_NAME: 'M', GIT_AUTHOR_EMAIL: 'm@example.com', GIT_COMMITTER_NAME: 'M', GIT_COMMITTER_EMAIL: 'm@example.com' };

/** Per forge: its API on loopback, its account in the config, and what it calls the request it opened. */
const FORGES: Record<TestForge, { spec: () => ReturnType<typeof gitlabApiSpec>; account: (url: string) => Record<string, unknown>; number: number; name: (n: number) => string }> = {
  gitlab: { spec: () => gitlabApiSpec(FORGE_TOKEN), account: (url) => ({ token: { env: 'TEST_FORGE_TOKEN' }, url }), number: 5, name: (n) => `merge request !${n}` },
  gitea: { spec: () => giteaApiSpec(FORGE_TOKEN), account: (url) => ({ token: { env: 'TEST_FORGE_TOKEN' }, url }), number: 3, name: (n) => `pull request #${n}` },
  github: { spec: () => githubApiSpec(FORGE_TOKEN), account: (url) => ({ token: { env: 'TEST_FORGE_TOKEN' }, apiUrl: url }), number: 42, name: (n) => `pull request #${n}` },
};

/**
 * A remediation waiting for a person opens a merge or pull request on the
 * repository's forge (GitLab, Gitea or GitHub, each an API on loopback that
 * holds requests to its documented shape). A person then decides on the
 * forge itself: a merge at the checked commit is the approval, deployed and
 * verified; a close without merging is the rejection. Both arrive as the
 * forge's own signed webhooks.
 */
describe('remediation: decisions made on the forge, per forge', function () {
  this.timeout(900_000);
  // Live metrics paced by the wall clock on a shared two-core machine: one retry before a case counts as failed.
  this.retries(1);
  let f: RemediationFixture | undefined;
  let api: ForgeApi | undefined;
  afterEach(async () => {
    await f?.cleanup();
    await api?.close();
    f = undefined;
    api = undefined;
  });

  async function setUp(forge: TestForge): Promise<ReviewItem> {
    api = await startForgeApi(FORGES[forge].spec());
    f = await createRemediationFixture({ confidenceThreshold: 0.99 }, { repo: { forge, forgeRepo: 'acme/infra' }, extra: { forge: { [forge]: FORGES[forge].account(api.url) } } });
    const rec = await f.remediationIn(['review', 'rejected', 'no-action', 'failed']);
    assert.equal(rec.state, 'review', rec.message);
    const { reviews } = (await (await fetch(`${f.service.url}/api/reviews?status=open`, { headers: as('viewer', false) })).json()) as { reviews: ReviewItem[] };
    assert.equal(reviews.length, 1);
    const review = reviews[0]!;
    // The request was opened on the forge, in its shape, from the proposal's branch into the deploy branch.
    assert.deepEqual(api.refused, []);
    const opened = api.requests.filter((r) => /create (merge|pull) request/.test(r.route));
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.body[forge === 'gitlab' ? 'source_branch' : 'head'], review.branch);
    assert.equal(review.pullRequest?.number, FORGES[forge].number);
    return review;
  }

  /** What the forge does on "Merge": a merge commit on main, pushed, then its push and close webhooks. */
  async function mergeOnForge(forge: TestForge, review: ReviewItem, moved = false): Promise<string> {
    const { fx, service, mainLog } = f!;
    const work = fx.repo.workDir;
    const before = (await mainLog('%H')).split('\n')[0]!;
    await git(['fetch', '-q', 'origin', '+main:refs/remotes/origin/main', `+${review.branch}:refs/remotes/origin/${review.branch}`], { cwd: work });
    const head = (await git(['rev-parse', `refs/remotes/origin/${review.branch}`], { cwd: work })).trim();
    assert.equal(head === review.commit, !moved, moved ? 'the branch moved after the check' : 'the branch is at the checked commit');
    await git(['checkout', '-q', '-B', 'main', 'refs/remotes/origin/main'], { cwd: work });
    await git(['merge', '-q', '--no-ff', '-m', `Merge branch '${review.branch}' into 'main'`, `refs/remotes/origin/${review.branch}`], { cwd: work, env: PERSON });
    await git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: work });
    const merge = (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
    const url = `${service.url}/webhooks/infra`;
    const pushed = await sendPush(url, forge, WEBHOOK_SECRET, { remote: fx.repo.remote, ref: 'refs/heads/main', before, after: merge });
    assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
    const closed = await sendRequestClosed(url, forge, WEBHOOK_SECRET, { remote: fx.repo.remote, number: review.pullRequest!.number, headRef: review.branch, headSha: head, baseSha: before, merge, by: 'alice' });
    assert.equal(closed.status, 202, JSON.stringify(closed.body));
    return merge;
  }

  for (const forge of ['gitlab', 'gitea'] as const) {
    it(`${forge}: a merge on the forge at the checked commit is the approval; the merge is deployed and verified`, async () => {
      const review = await setUp(forge);
      const merge = await mergeOnForge(forge, review);
      const by = `alice on ${forge} (${FORGES[forge].name(FORGES[forge].number)})`;

      const done = await f!.remediationIn(['effective', 'rolled-back', 'escalated', 'failed']);
      assert.equal(done.state, 'effective', done.events.map((e) => `${e.state}: ${e.message}`).join('\n'));
      assert.equal(done.commit, merge, "what was verified is the forge's merge");
      assert.ok(f!.fx.fleet.services()[0]!.capacity > 2, 'the scale-out was deployed');
      const decided = (await f!.store.review(review.id))!;
      assert.equal(decided.status, 'approved');
      assert.equal(decided.decidedBy, by);
      assert.equal(decided.mergedCommit, merge);
      assert.equal((await f!.audit.list({ type: 'review-approved' }))[0]?.actor, by);
    });
  }

  it('gitlab: a merge on the forge at a head pushed after the check is not the approval (superseded, escalated); the merge is deployed like any push', async () => {
    const review = await setUp('gitlab');
    const { fx, store } = f!;
    // Someone adds a commit to the checked branch, then merges the merge request on GitLab.
    const work = fx.repo.workDir;
    await git(['fetch', '-q', 'origin', `${review.branch}:refs/remotes/origin/${review.branch}`], { cwd: work });
    await git(['checkout', '-q', '-B', 'sneaky', `refs/remotes/origin/${review.branch}`], { cwd: work });
    fx.setStackConfig('sandbox:instanceSize', 'large');
    await git(['commit', '-qam', 'one more thing'], { cwd: work, env: PERSON });
    await git(['push', '-q', 'origin', `HEAD:refs/heads/${review.branch}`], { cwd: work });
    const merge = await mergeOnForge('gitlab', review, true);

    const done = await f!.remediationIn(['effective', 'rolled-back', 'escalated', 'failed']);
    assert.equal(done.state, 'escalated', done.events.map((e) => `${e.state}: ${e.message}`).join('\n'));
    assert.match(done.message ?? '', /merged by alice on gitlab \(merge request !5\): .* not at .*, the commit that passed the policy check/);
    const decided = (await store.review(review.id))!;
    assert.equal(decided.status, 'superseded');
    assert.equal(decided.decidedBy, 'alice on gitlab (merge request !5)');
    await fx.waitForRun(merge, 'applied');
    assert.equal(fx.fleet.services()[0]!.instanceSize, 'large');
  });

  for (const forge of ['gitlab', 'gitea', 'github'] as const) {
    it(`${forge}: a close on the forge without merging is the rejection: review item, remediation, audit log and timeline; the branch is deleted`, async () => {
      const review = await setUp(forge);
      const { fx, service, mainLog } = f!;
      const before = (await mainLog('%H')).split('\n')[0]!;
      const name = FORGES[forge].name(FORGES[forge].number);
      const closed = await sendRequestClosed(`${service.url}/webhooks/infra`, forge, WEBHOOK_SECRET, { remote: fx.repo.remote, number: review.pullRequest!.number, headRef: review.branch, headSha: review.commit, baseSha: before, by: 'bob' });
      assert.equal(closed.status, 202, JSON.stringify(closed.body));

      const done = await f!.remediationIn(['rejected', 'effective', 'escalated', 'failed'], 60_000);
      assert.equal(done.state, 'rejected', done.events.map((e) => `${e.state}: ${e.message}`).join('\n'));
      assert.match(done.message ?? '', new RegExp(`rejected by bob on ${forge} \\(${name.replace(/[!#]/g, '\\$&')}\\): ${name.replace(/[!#]/g, '\\$&')} closed without merging on ${forge}`));
      const decided = (await f!.store.review(review.id))!;
      assert.equal(decided.status, 'rejected');
      assert.equal(decided.decidedBy, `bob on ${forge} (${name})`);
      const audit = await f!.audit.list({ type: 'review-rejected' });
      assert.equal(audit[0]?.actor, `bob on ${forge} (${name})`);
      assert.ok(f!.events.some((e) => e.type === 'decision' && e.outcome === 'rejected' && e.message.includes(`rejected by bob on ${forge}`)), 'the timeline shows the rejection');
      assert.equal((await git(['branch', '--list', review.branch], { cwd: fx.repo.remote })).trim(), '', 'the proposal branch is deleted');
      assert.equal((await mainLog('%H')).split('\n')[0], before, 'nothing reached the deploy branch');
    });
  }
});
