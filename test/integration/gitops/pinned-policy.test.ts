import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

/**
 * The platform's policy pack, pinned in the service's config: a folder
 * outside the watched repository (here a copy of this repository's pack, with
 * the stack types it reads), enforced on every run whatever the commit holds.
 */
function pinnedPack(): { root: string; pack: string } {
  const root = mkdtempSync(join(tmpdir(), 'homeostat-pinned-'));
  cpSync(join(PROJECT_ROOT, 'policies'), join(root, 'policies'), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'stacks'), join(root, 'stacks'), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, pack: join(root, 'policies') };
}

describe('gitops: the pinned policy pack runs whatever the commit holds', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let pinned: { root: string; pack: string };
  let previous = ZERO_SHA;

  async function pushAndNotify(message: string): Promise<string> {
    const commit = await fx.repo.commitAndPush(message);
    const res = await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', previous, commit) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    previous = commit;
    return commit;
  }

  before(async () => {
    pinned = pinnedPack();
    fx = await createGitopsFixture({ policy: { packs: [{ path: pinned.pack }] } });
    service = await startService(fx.config);
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
    if (pinned) rmSync(pinned.root, { recursive: true, force: true });
  });

  it('runs the pinned pack and the commit\'s own, and records both', async () => {
    const commit = await pushAndNotify('initial stacks');
    const run = await fx.waitForRun(commit, ['applied', 'failed']);
    assert.equal(run.status, 'applied', run.message);
    assert.deepEqual(run.policyPacks, { pinned: [pinned.pack], commit: ['policies'], notes: [] });
  });

  it('a push that deletes the repository\'s pack and breaks its rule is rejected by the pinned pack, and says the pack is gone', async () => {
    await git(['rm', '-rq', 'policies'], { cwd: fx.repo.workDir });
    fx.setStackConfig('sandbox:instanceSize', 'xlarge');
    const commit = await pushAndNotify('no more policy, bigger instances');
    const run = await fx.waitForRun(commit, ['applied', 'failed']);
    assert.equal(run.status, 'failed');
    assert.equal(run.reason, 'PolicyViolation');
    assert.match(run.message ?? '', /allowed-instance-sizes/);
    assert.equal(fx.fleet.services()[0]?.instanceSize, 'small', 'nothing was applied');
    assert.deepEqual(run.policyPacks?.pinned, [pinned.pack]);
    assert.deepEqual(run.policyPacks?.commit, []);
    assert.match(run.policyPacks?.notes.join('\n') ?? '', /the commit has no policy pack at policies: the pinned packs ran without it/);
  });
});
