import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { pullRequestPayload, sendGithubWebhook } from '../../support/webhooks.ts';

describe('gitops: a pull request from a fork runs nothing unless the repository opts in', function () {
  this.timeout(300_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let hook: string;
  let head: string;
  let base: string;

  before(async () => {
    fx = await createGitopsFixture();
    service = await startService(fx.config);
    hook = `${service.url}/webhooks/infra`;
    base = await fx.repo.commitAndPush('initial stacks');
    // The branch a fork would carry; pushed here, so that previewing it would work if it were allowed.
    await git(['checkout', '-q', '-b', 'feature/fork-change'], { cwd: fx.repo.workDir });
    fx.setStackConfig('sandbox:capacity', '4');
    head = await fx.repo.commitAndPush('scale to 4 from a fork');
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
  });

  /** The helper's pull request (head and base in acme/infra), its head moved to `headRepo`. */
  function payload(headRepo: { id: number; full_name: string } | null) {
    const p = pullRequestPayload(fx.repo.remote, 9, 'opened', { ref: 'feature/fork-change', sha: head }, { ref: 'main', sha: base });
    return { ...p, pull_request: { ...p.pull_request, head: { ...p.pull_request.head, repo: headRepo } } };
  }

  it('answers 202 ignored (fork-pull-request) and never starts the engine', async () => {
    const res = await sendGithubWebhook(hook, { event: 'pull_request', secret: WEBHOOK_SECRET, payload: payload({ id: 2, full_name: 'mallory/infra' }) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.status, 'ignored');
    assert.equal(res.body.reason, 'fork-pull-request');
    assert.match(String(res.body.message), /mallory\/infra/);
    await sleep(5000);
    assert.deepEqual((await fx.runs()).filter((r) => r.commit === head), []);
  });

  it('a deleted fork (no head repository) is ignored the same way', async () => {
    const res = await sendGithubWebhook(hook, { event: 'pull_request', secret: WEBHOOK_SECRET, payload: payload(null) });
    assert.equal(res.body.reason, 'fork-pull-request', JSON.stringify(res.body));
  });

  it('the same pull request from a branch of the repository itself is previewed (the control)', async () => {
    const res = await sendGithubWebhook(hook, { event: 'pull_request', secret: WEBHOOK_SECRET, payload: pullRequestPayload(fx.repo.remote, 9, 'opened', { ref: 'feature/fork-change', sha: head }, { ref: 'main', sha: base }) });
    assert.equal(res.body.status, 'queued', JSON.stringify(res.body));
    const run = await fx.waitForRun(head, ['previewed', 'failed']);
    assert.equal(run.status, 'previewed', run.message);
  });
});
