import assert from 'node:assert/strict';
import { createIncidentStore } from '../../../orchestrator/correlate/incident-store.ts';
import type { ReviewItem } from '../../../orchestrator/remediate/remediation-record.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { WEBHOOK_SECRET } from '../../support/gitops-fixture.ts';
import { AWS_ENV, createRemediationFixture, type RemediationFixture } from '../../support/remediation-fixture.ts';
import { captureOutput, leaks, publicText } from '../../support/secret-search.ts';
import { waitFor } from '../../support/wait.ts';
import { as, TEST_TOKENS } from '../../support/test-tokens.ts';

/**
 * The whole loop on the sandbox stack, for real: metrics in moto → anomaly →
 * incident → proposal → policy preview by the engine → commit (or review) →
 * deploy by the engine → verification against the same metrics.
 */
describe('remediation: incident → proposal → policy → Git → deploy → verification', function () {
  this.timeout(900_000);
  // Live metrics paced by the wall clock on a shared two-core machine: one retry before a case counts as failed.
  this.retries(1);
  let f: RemediationFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it('saturation: scale-out is committed with trailers, deployed, verified effective, and the incident resolves with a valid audit chain; no secret shows anywhere', async () => {
    const output = captureOutput();
    try {
      await saturationLoop();
    } finally {
      output.stop();
    }
    // Every secret the service holds, searched in everything it shows and keeps.
    const places = { ...(await publicText(f!.service.url!, { redis: f!.redis, prefix: f!.fx.prefix, remote: f!.fx.repo.remote })), 'service output': output.text(), 'service timeline': JSON.stringify(f!.events) };
    const secrets = { 'webhook secret': WEBHOOK_SECRET, passphrase: 'test-passphrase', 'forge token': 'ghp_test_token', 'AWS access key id': AWS_ENV.AWS_ACCESS_KEY_ID, 'AWS secret key': AWS_ENV.AWS_SECRET_ACCESS_KEY, ...Object.fromEntries(Object.entries(TEST_TOKENS).map(([name, token]) => [`API token of ${name}`, token])) };
    // The service in this process may write nothing at all; every other place has something to search.
    assert.deepEqual(Object.entries(places).filter(([place, text]) => place !== 'service output' && text.length === 0).map(([place]) => place), []);
    assert.deepEqual(leaks(places, secrets), []);
  });

  async function saturationLoop(): Promise<void> {
    f = await createRemediationFixture({ confidenceThreshold: 0.5 });
    const { fx, initial, mainLog, service, redis } = f;
    const rec = await f.remediationIn(['effective', 'rolled-back', 'escalated', 'rejected', 'failed', 'no-action', 'review']);
    assert.equal(rec.state, 'effective', rec.events.map((e) => `${e.state}: ${e.message}`).join('\n'));
    assert.equal(rec.playbook, 'scale-out');
    assert.equal(rec.mode, 'auto');

    // Git: one commit on main after the initial one, by the bot, with the evidence as trailers.
    const [subject, ...rest] = (await mainLog('%H%x1f%an <%ae>%x1f%B%x1e')).split('\x1e').map((x) => x.trim()).filter(Boolean);
    const [sha, author, message] = subject!.split('\x1f');
    assert.equal(sha, rec.commit);
    assert.equal(author, 'Homeostat Bot <bot@homeostat.test>');
    for (const trailer of ['Homeostat-Incident', 'Homeostat-Playbook: scale-out', 'Homeostat-Confidence', 'Homeostat-Evidence', 'Homeostat-Policy: passed', 'Homeostat-Preview: 1 to update']) {
      assert.match(message!, new RegExp(`^${trailer}`, 'm'), `trailer ${trailer} in\n${message}`);
    }
    assert.equal(rest[0]?.split('\x1f')[0], initial);
    // The change is one line of the stack file: comments, order and every other line kept.
    assert.equal((await git(['show', '--numstat', '--format=', sha!], { cwd: fx.repo.remote })).trim(), '1\t1\tstacks/Pulumi.sandbox.yaml');

    // The ordinary deploy path applied it, and the fleet has more capacity.
    const run = await fx.waitForRun(rec.commit!, 'applied');
    assert.equal(run.trigger.kind, 'push');
    // Exactly the checked plan: the policy check saved it, the trailer names it, and the apply (same tree) ran within it without a second preview.
    const check = (await fx.runs()).find((r) => r.id === rec.policy?.runId);
    assert.match(check?.plan?.digest ?? '', /^sha256:[0-9a-f]{64}$/, JSON.stringify(check?.plan));
    assert.equal(rec.policy?.planDigest, check?.plan?.digest);
    assert.match(message!, new RegExp(`^Homeostat-Preview: 1 to update \\(run ${check!.id}, plan ${check!.plan!.digest}\\)$`, 'm'));
    assert.deepEqual(run.plan, { digest: check!.plan!.digest, used: true });
    assert.ok(fx.fleet.services()[0]!.capacity > 2, `capacity ${fx.fleet.services()[0]!.capacity}`);
    assert.equal(rec.verification?.outcome, 'effective');

    const incident = await waitFor('the incident to resolve', async () => {
      const r = await createIncidentStore(redis, fx.prefix).get(rec.incidentId);
      return r?.incident.status === 'resolved' ? r : undefined;
    }, 30_000);
    assert.ok(incident.incident.resolvedAt);

    const audit = f.audit;
    const verdict = await audit.verify();
    assert.ok(verdict.ok, JSON.stringify(verdict));
    const types = (await audit.list({ incidentId: rec.incidentId, limit: 100 })).map((e) => e.type).reverse();
    for (const t of ['proposal', 'guardrails', 'policy-check', 'commit', 'applied', 'verified'] as const) assert.ok(types.includes(t), `audit has ${t}: ${types.join(', ')}`);
    const api = (await (await fetch(`${service.url}/api/audit/verify`, { headers: as('viewer', false) })).json()) as { ok: boolean };
    assert.equal(api.ok, true);
  }

  it('below the threshold: a review item; approving it merges the branch, deploys it, and verifies it', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.99 });
    const { fx, mainLog, service, store } = f;
    const rec = await f.remediationIn(['review', 'rejected', 'no-action', 'failed']);
    assert.equal(rec.state, 'review', rec.message);
    const before = await mainLog('%H');
    const { reviews } = (await (await fetch(`${service.url}/api/reviews?status=open`, { headers: as('viewer', false) })).json()) as { reviews: ReviewItem[] };
    assert.equal(reviews.length, 1);
    const review = reviews[0]!;
    assert.match(review.reasons.join(' '), /below the stack's threshold/);
    assert.ok((await git(['ls-remote', '--heads', fx.repo.remote, review.branch])).length > 0, 'the branch is on the remote');
    // The branch's commit carries the policy result and why a person decides.
    const branchMessage = await git(['log', '-1', '--format=%B', review.commit], { cwd: fx.repo.remote });
    assert.match(branchMessage, /^Homeostat-Policy: passed$/m);
    assert.match(branchMessage, /^Homeostat-Decision: review \(confidence .* below the stack's threshold/m);

    const res = await fetch(`${service.url}/api/reviews/${review.id}/approve`, { method: 'POST', headers: as('alice'), body: '{}' });
    assert.equal(res.status, 200, await res.clone().text());
    const again = await fetch(`${service.url}/api/reviews/${review.id}/approve`, { method: 'POST', headers: as('bob'), body: '{}' });
    assert.equal(again.status, 409, 'a second decision is refused');

    const done = await f.remediationIn(['effective', 'rolled-back', 'escalated', 'failed']);
    assert.equal(done.state, 'effective', done.events.map((e) => `${e.state}: ${e.message}`).join('\n'));
    assert.equal(done.mode, 'review');
    const merged = (await mainLog('%H %s')).split('\n')[0]!;
    assert.ok(merged.startsWith(done.commit!), `${merged} is the merge ${done.commit}`);
    assert.match(merged, /Merge homeostat\//);
    assert.notEqual(before.split('\n')[0], done.commit);
    assert.ok(fx.fleet.services()[0]!.capacity > 2);
    const decided = (await store.review(review.id))!;
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decidedBy, 'alice');
    const audit = await f.audit.list({ type: 'review-approved' });
    assert.equal(audit[0]?.actor, 'alice');
    assert.equal((await git(['ls-remote', '--heads', fx.repo.remote, review.branch])).length, 0, 'the branch is gone after the merge');
  });

  it('a push to the proposal branch after its policy check: approving is refused (409), nothing is merged, the proposal needs a new check', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.99 });
    const { fx, mainLog, service, store } = f;
    const rec = await f.remediationIn(['review', 'rejected', 'no-action', 'failed']);
    assert.equal(rec.state, 'review', rec.message);
    const { reviews } = (await (await fetch(`${service.url}/api/reviews?status=open`, { headers: as('viewer', false) })).json()) as { reviews: ReviewItem[] };
    const review = reviews[0]!;
    assert.ok(review.checkedCommit, 'the commit that passed the policy check is recorded');
    const head = await mainLog('%H');

    // Someone with push access adds a commit to the checked branch: a change nobody checked.
    const work = fx.repo.workDir;
    await git(['fetch', '-q', 'origin', `${review.branch}:refs/remotes/origin/${review.branch}`], { cwd: work });
    await git(['checkout', '-q', '-B', 'sneaky', `refs/remotes/origin/${review.branch}`], { cwd: work });
    fx.setStackConfig('sandbox:instanceSize', 'xlarge');
    await git(['commit', '-qam', 'one more thing'], { cwd: work, env: { GIT_AUTHOR_NAME: 'M', GIT_AUTHOR_EMAIL: 'm@example.com', GIT_COMMITTER_NAME: 'M', GIT_COMMITTER_EMAIL: 'm@example.com' } });
    await git(['push', '-q', 'origin', `HEAD:refs/heads/${review.branch}`], { cwd: work });
    await git(['checkout', '-q', 'main'], { cwd: work });

    const res = await fetch(`${service.url}/api/reviews/${review.id}/approve`, { method: 'POST', headers: as('alice'), body: '{}' });
    assert.equal(res.status, 409, await res.clone().text());
    assert.match(((await res.json()) as { error?: string; message?: string }).error ?? '', /not at .*the commit that was checked: nothing was merged; the proposal needs a new policy check/);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await mainLog('%H'), head, 'the deploy branch did not move');
    assert.equal((await store.review(review.id))?.status, 'superseded');
    const after = await store.get(rec.id);
    assert.equal(after?.state, 'escalated');
    assert.match(after?.message ?? '', /approval by alice refused/);
    assert.equal(fx.fleet.services()[0]!.instanceSize, 'small', 'the unchecked change was not deployed');
  });

  it('rejecting a review item deletes its branch and leaves Git and the stack as they were', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.99 });
    const { fx, mainLog, service, store } = f;
    const rec = await f.remediationIn(['review', 'rejected', 'no-action', 'failed']);
    assert.equal(rec.state, 'review', rec.message);
    const head = await mainLog('%H');
    const { reviews } = (await (await fetch(`${service.url}/api/reviews?status=open`, { headers: as('viewer', false) })).json()) as { reviews: ReviewItem[] };
    const review = reviews[0]!;
    const res = await fetch(`${service.url}/api/reviews/${review.id}/reject`, { method: 'POST', headers: as('carol'), body: JSON.stringify({ reason: 'not during the sale' }) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await store.get(rec.id))?.state, 'rejected');
    assert.equal((await git(['ls-remote', '--heads', fx.repo.remote, review.branch])).length, 0, 'the branch is deleted');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await mainLog('%H'), head, 'main did not move');
    assert.equal(fx.fleet.services()[0]!.capacity, 2, 'the stack did not change');
    const audit = await f.audit.list({ type: 'review-rejected' });
    assert.equal(audit[0]?.actor, 'carol');
    assert.match(audit[0]!.summary, /not during the sale/);
  });

  it('a proposal that breaks a mandatory policy is rejected with the policy message, and nothing is committed', async () => {
    f = await createRemediationFixture({ confidenceThreshold: 0.5 }, { extra: { policy: { config: { 'capacity-within-bounds': { maxCapacity: 2 } } } } });
    const { fx, mainLog } = f;
    const head = await mainLog('%H');
    const rec = await f.remediationIn(['rejected', 'effective', 'review', 'no-action', 'failed']);
    assert.equal(rec.state, 'rejected', rec.message);
    assert.match(rec.message ?? '', /mandatory policy capacity-within-bounds/);
    assert.equal(rec.policy?.passed, false);
    assert.ok(rec.policy?.violations.some((v) => v.level === 'mandatory' && v.policy === 'capacity-within-bounds'));
    assert.equal(await mainLog('%H'), head, 'nothing was committed');
    assert.equal((await git(['ls-remote', '--heads', fx.repo.remote, 'homeostat/*'])).length, 0, 'the proposal branch is gone');
    const decision = (await f.audit.list({ type: 'decision' }))[0];
    assert.match(decision?.summary ?? '', /capacity-within-bounds/);
    // The stack is not stalled by the failed check of a proposal branch.
    assert.equal((await fx.store.status('infra/./sandbox')).conditions.Stalled.status, false);
  });
});
