import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyFailed } from '../../../orchestrator/records/stack-status.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.ts';
import { waitFor } from '../../support/wait.ts';
import { pullRequestPayload, pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';
import { as } from '../../support/test-tokens.ts';

describe('gitops: a push, signed webhook over loopback, preview and apply by the real engine', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let hook: string;
  let previous = ZERO_SHA;

  async function pushAndNotify(message: string, deliveryId?: string): Promise<string> {
    const commit = await fx.repo.commitAndPush(message);
    const res = await sendGithubWebhook(hook, {
      event: 'push',
      secret: WEBHOOK_SECRET,
      payload: pushPayload(fx.repo.remote, 'refs/heads/main', previous, commit),
      ...(deliveryId ? { deliveryId } : {}),
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    previous = commit;
    return commit;
  }

  let gh: FakeGithub;

  before(async () => {
    gh = await startFakeGithub();
    fx = await createGitopsFixture({ forge: { github: { token: { env: 'TEST_GITHUB_TOKEN' }, apiUrl: gh.url } } });
    service = await startService(fx.config, { engineEnv: { HOMEOSTAT_FLEET_URL: fx.fleet.url } });
    hook = `${service.url}/webhooks/infra`;
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
    await gh?.close();
  });

  it('applies the stacks of the first push to the deploy branch', async () => {
    const commit = await pushAndNotify('initial stacks');
    const run = await fx.waitForRun(commit, ['applied', 'failed']);
    assert.equal(run.status, 'applied', run.message);
    assert.equal(run.trigger.kind, 'push');
    assert.equal(run.previewSummary?.counts.create, 1);
    assert.deepEqual(run.previewSummary?.policyViolations, []);
    assert.equal(fx.fleet.services()[0]?.capacity, 2);
    const status = await fx.store.status('infra/./sandbox');
    assert.equal(status.appliedCommit, commit);
    assert.equal(status.conditions.Ready.status, true);
  });

  it('a redelivered webhook changes nothing: one run', async () => {
    fx.setStackConfig('sandbox:capacity', '3');
    const commit = await pushAndNotify('scale checkout to 3', 'delivery-twice');
    const again = await sendGithubWebhook(hook, { event: 'push', secret: WEBHOOK_SECRET, deliveryId: 'delivery-twice', payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'duplicate');
    const run = await fx.waitForRun(commit, ['applied', 'failed']);
    assert.equal(run.status, 'applied', run.message);
    await sleep(500);
    assert.equal((await fx.runs()).filter((r) => r.commit === commit).length, 1);
    assert.equal(fx.fleet.services()[0]?.capacity, 3);
    assert.deepEqual(run.previewSummary?.resources.find((r) => r.op === 'update')?.changes, [{ path: 'capacity', kind: 'update', replace: false, old: 2, new: 3 }]);
  });

  it('an unrelated file change triggers nothing', async () => {
    writeFileSync(join(fx.repo.workDir, 'NOTES.md'), 'nothing to deploy here\n');
    const commit = await pushAndNotify('add notes');
    await sleep(3000);
    assert.deepEqual((await fx.runs()).filter((r) => r.commit === commit), []);
  });

  it('a stack that never applied and failed runs again only when its own files change, not on every push', async () => {
    // web-prod cannot deploy here (no provider plugins): its first apply failed.
    const webProd = 'infra/./web-prod';
    const failed = await waitFor('web-prod idle after a failed apply', async () => {
      const status = await fx.store.status(webProd);
      return applyFailed(status) ? status : undefined;
    });
    const runsOfWebProd = async (commit: string) => (await fx.store.list({ stackKey: webProd, limit: 100 })).filter((r) => r.commit === commit);

    fx.setStackConfig('sandbox:volumeGiB', '30');
    const sandboxOnly = await pushAndNotify('checkout volumes to 30 GiB');
    assert.equal((await fx.waitForRun(sandboxOnly, ['applied', 'failed'])).status, 'applied');
    await sleep(1000);
    assert.deepEqual(await runsOfWebProd(sandboxOnly), [], 'a push that leaves web-prod alone does not run it again');
    assert.equal((await fx.store.status(webProd)).observedCommit, failed.observedCommit);

    const file = join(fx.repo.workDir, 'stacks', 'Pulumi.web-prod.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/(web:version:) .*/, '$1 v2.15.0'));
    const touched = await pushAndNotify('storefront v2.15.0');
    await waitFor('a run of web-prod for the commit that changed it', async () => (await runsOfWebProd(touched))[0]);
  });

  it('a pull request is previewed, never applied', async () => {
    await git(['checkout', '-q', '-b', 'feature/bigger'], { cwd: fx.repo.workDir });
    fx.setStackConfig('sandbox:capacity', '5');
    await git(['commit', '-qam', 'scale to 5'], { cwd: fx.repo.workDir, env: { GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' } });
    await git(['push', '-q', 'origin', 'feature/bigger'], { cwd: fx.repo.workDir });
    const head = await git(['rev-parse', 'HEAD'], { cwd: fx.repo.workDir });
    const res = await sendGithubWebhook(hook, {
      event: 'pull_request',
      secret: WEBHOOK_SECRET,
      payload: pullRequestPayload(fx.repo.remote, 7, 'opened', { ref: 'feature/bigger', sha: head }, { ref: 'main', sha: previous }),
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const run = await fx.waitForRun(head, ['previewed', 'failed']);
    assert.equal(run.status, 'previewed', run.message);
    assert.equal(run.apply, false);
    assert.equal(run.trigger.kind, 'pull_request');
    assert.equal(run.previewSummary?.counts.update, 1);
    assert.equal(fx.fleet.services()[0]?.capacity, 3, 'the fleet is unchanged');
    // The preview went back to the pull request: a commit status and a comment.
    const posted = await waitFor('the preview on the pull request', () => gh.requests.find((r) => r.path === '/repos/acme/infra/issues/7/comments'));
    assert.match(String(posted.body.body), /capacity: 3 => 5/);
    assert.equal(gh.requests.find((r) => r.path === `/repos/acme/infra/statuses/${head}`)?.body.state, 'success');
    await git(['checkout', '-q', 'main'], { cwd: fx.repo.workDir });
  });

  it('a mandatory policy violation on the deploy branch stalls the stack, applies nothing, until a new commit', async () => {
    fx.setStackConfig('sandbox:instanceSize', 'xlarge');
    const bad = await pushAndNotify('size up to xlarge');
    const refused = await fx.waitForRun(bad, 'failed');
    assert.equal(refused.reason, 'PolicyViolation');
    assert.match(refused.message ?? '', /allowed-instance-sizes/);
    assert.equal(fx.fleet.services()[0]?.instanceSize, 'small', 'nothing was applied');
    let status = await fx.store.status('infra/./sandbox');
    assert.equal(status.conditions.Stalled.status, true);
    assert.equal(status.conditions.Stalled.reason, 'PolicyViolation');
    assert.equal(refused.attempt, 1, 'a policy violation is not retried');

    fx.setStackConfig('sandbox:instanceSize', 'medium');
    const fixed = await pushAndNotify('size up to medium instead');
    assert.equal((await fx.waitForRun(fixed, ['applied', 'failed'])).status, 'applied');
    status = await fx.store.status('infra/./sandbox');
    assert.equal(status.conditions.Stalled.status, false);
    assert.equal(status.appliedCommit, fixed);
    assert.equal(fx.fleet.services()[0]?.instanceSize, 'medium');
  });

  describe('bad deliveries get a 4xx and enqueue nothing', () => {
    const commit = 'a'.repeat(40);
    const payload = () => pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit);
    async function intakeJobs(): Promise<number> {
      const { createRedis } = await import('../../../orchestrator/queue/redis.ts');
      const redis = createRedis(fx.config.redisUrl);
      try {
        return (await redis.keys(`${fx.prefix}:events:*`)).filter((k) => /events:[^:]+$/.test(k) && !/events:(id|meta|events|wait|active|completed|failed|delayed|marker|stalled-check|paused|prioritized|pc)$/.test(k)).length;
      } finally {
        await redis.quit();
      }
    }
    const cases: [string, () => Parameters<typeof sendGithubWebhook>[1], number, string][] = [
      ['a forged signature', () => ({ event: 'push', payload: payload(), signature: `sha256=${'0'.repeat(64)}` }), 401, 'bad-signature'],
      ['no signature', () => ({ event: 'push', payload: payload() }), 401, 'missing-signature'],
      ['an oversize body', () => ({ event: 'push', secret: WEBHOOK_SECRET, payload: { pad: 'x'.repeat(1_100_000) } }), 413, 'body-too-large'],
      ['malformed JSON', () => ({ event: 'push', secret: WEBHOOK_SECRET, payload: null, body: Buffer.from('{"ref": "refs/heads/main",') }), 400, 'malformed-json'],
      ['a payload without its repository', () => ({ event: 'push', secret: WEBHOOK_SECRET, payload: { ref: 'refs/heads/main', before: ZERO_SHA, after: commit } }), 422, 'invalid-payload'],
    ];
    for (const [title, delivery, status, reason] of cases) {
      it(title, async () => {
        const before = await intakeJobs();
        const res = await sendGithubWebhook(hook, delivery());
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.error, reason);
        assert.equal(await intakeJobs(), before, 'nothing enqueued');
      });
    }
    it('counts rejects in /metrics', async () => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(text, /homeostat_webhook_rejects_total\{reason="bad-signature"\} [1-9]/);
    });
  });

  it('serves stacks and runs over the API', async () => {
    const stacks = (await (await fetch(`${service.url}/api/stacks`, { headers: as('viewer', false) })).json()) as { stacks: { stackKey: string; appliedCommit?: string }[] };
    assert.ok(stacks.stacks.some((s) => s.stackKey === 'infra/./sandbox' && s.appliedCommit));
    const runs = (await (await fetch(`${service.url}/api/runs?stack=infra/./sandbox`, { headers: as('viewer', false) })).json()) as { runs: { id: string }[] };
    assert.ok(runs.runs.length >= 3);
    const one = (await (await fetch(`${service.url}/api/runs/${runs.runs[0]!.id}`, { headers: as('viewer', false) })).json()) as { run: { id: string }; log: string[] };
    assert.equal(one.run.id, runs.runs[0]!.id);
    assert.ok(one.log.length > 0, 'the run log holds engine events');
    const health = (await (await fetch(`${service.url}/healthz`)).json()) as { status: string; details: { node: string; engine: string } };
    assert.equal(health.status, 'ok');
    assert.equal(health.details.node, process.version, 'the service reports the Node.js it runs on');
    assert.match(health.details.engine, /^v3\.\d+\.\d+$/);
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
  });

  it('refuses stack keys that could leave the checkout, naming the part, and queues nothing', async () => {
    const before = (await fx.runs()).length;
    for (const key of ['infra/../sandbox', 'infra/../../etc/sandbox', 'infra/./..', '../infra/sandbox']) {
      for (const action of ['preview', 'up', 'drift']) {
        const res = await fetch(`${service.url}/api/stacks/${encodeURIComponent(key)}/${action}`, { method: 'POST', headers: as('sam'), body: '{}' });
        assert.equal(res.status, 400, `${action} ${key}`);
        assert.match(((await res.json()) as { error: string }).error, /not a stack key: .*(project folder|stack name|repository id)/);
      }
    }
    assert.equal((await fx.runs()).length, before);
  });
});
