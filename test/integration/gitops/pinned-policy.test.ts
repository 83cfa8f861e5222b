import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

/**
 * A policy repository with two commits on main: the pack as this repository
 * has it, then one that drops the instance-size rule. Returns its URL and both.
 */
async function policyRepository(): Promise<{ root: string; url: string; strict: string; relaxed: string }> {
  const root = mkdtempSync(join(tmpdir(), 'homeostat-policy-repo-'));
  const url = join(root, 'policy.git');
  const work = join(root, 'work');
  for (const dir of ['policies', 'stacks']) cpSync(join(PROJECT_ROOT, dir), join(work, dir), { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(PROJECT_ROOT, file), join(work, file));
  const env = { GIT_AUTHOR_NAME: 'Platform', GIT_AUTHOR_EMAIL: 'platform@example.com', GIT_COMMITTER_NAME: 'Platform', GIT_COMMITTER_EMAIL: 'platform@example.com' };
  await git(['init', '-q', '--bare', '-b', 'main', url]);
  await git(['init', '-q', '-b', 'main', work]);
  await git(['add', '.'], { cwd: work });
  await git(['commit', '-qm', 'the platform pack'], { cwd: work, env });
  const strict = await git(['rev-parse', 'HEAD'], { cwd: work });
  // The later commit allows xlarge sandboxes: a push to the policy repository must not relax what is pinned.
  const rule = join(work, 'policies', 'rules', 'allowed-sizes.ts');
  writeFileSync(rule, readFileSync(rule, 'utf8').replace("default: ['small', 'medium', 'large']", "default: ['small', 'medium', 'large', 'xlarge']"));
  await git(['add', '.'], { cwd: work });
  await git(['commit', '-qm', 'relax instance sizes'], { cwd: work, env });
  const relaxed = await git(['rev-parse', 'HEAD'], { cwd: work });
  await git(['push', '-q', url, 'main'], { cwd: work });
  return { root, url, strict, relaxed };
}

describe('gitops: a policy pack pinned to a commit of a policy repository', function () {
  this.timeout(600_000);
  let fx: GitopsFixture | undefined;
  let service: RunningService | undefined;
  let policy: Awaited<ReturnType<typeof policyRepository>>;

  before(async () => {
    policy = await policyRepository();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await fx?.cleanup();
    fx = undefined;
  });
  after(() => rmSync(policy.root, { recursive: true, force: true }));

  it('enforces the pack at the pinned commit, not at the head of the policy repository', async () => {
    fx = await createGitopsFixture({ policy: { packs: [{ repo: policy.url, commit: policy.strict, path: 'policies' }] } });
    service = await startService(fx.config);
    rmSync(join(fx.repo.workDir, 'policies'), { recursive: true });
    fx.setStackConfig('sandbox:instanceSize', 'xlarge');
    const commit = await fx.repo.commitAndPush('no policy of our own, bigger instances');
    const res = await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const run = await fx.waitForRun(commit, ['applied', 'failed']);
    assert.equal(run.status, 'failed', run.message);
    assert.equal(run.reason, 'PolicyViolation');
    assert.match(run.message ?? '', /allowed-instance-sizes/);
    assert.equal(run.policyPacks?.pinned.length, 1);
    assert.match(run.policyPacks!.pinned[0]!, new RegExp(`pinned-policy/${policy.strict}/policies$`));
  });

  it('refuses to start when the pinned commit is not in the repository, naming the pack', async () => {
    fx = await createGitopsFixture({ policy: { packs: [{ repo: policy.url, commit: 'f'.repeat(40), path: 'policies' }] } });
    await assert.rejects(startService(fx.config), /policy\.packs\.0: commit f{40} is not in /);
  });

  it('is not fetched by a process that runs no engine (the API alone, workers off)', async () => {
    fx = await createGitopsFixture({ policy: { packs: [{ repo: policy.url, commit: 'f'.repeat(40), path: 'policies' }] } });
    service = await startService(fx.config, { workers: false });
    assert.equal(existsSync(join(fx.config.dataDir, 'pinned-policy')), false);
  });

  it('takes no branch or tag as the pin: only a full commit SHA', async () => {
    await assert.rejects(createGitopsFixture({ policy: { packs: [{ repo: policy.url, commit: 'main', path: 'policies' }] } }), /policy\.packs\.0\.commit: a full commit SHA/);
  });
});
