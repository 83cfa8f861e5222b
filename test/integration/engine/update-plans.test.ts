import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import type { Redis } from 'ioredis';
import { deployStack, type DeployOutcome } from '../../../orchestrator/deploy/deploy-stack.ts';
import { createStackRunner, type StackRunner } from '../../../orchestrator/engine/stack-runner.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createPlanStore, type PlanStore } from '../../../orchestrator/records/plan-store.ts';
import { PROJECT_ROOT, resolveToolchain } from '../../../orchestrator/runtime/toolchain.ts';
import type { SourceArtifact } from '../../../orchestrator/source/artifact.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { testServices, uniqueId } from '../../support/services.ts';

/**
 * Update plans with the real engine: a preview saves its plan; the apply of
 * the same tree on the same stack state runs within it and does not preview
 * again; an apply whose program does something else than was previewed is
 * refused by the engine and previewed afresh; an apply after the stack moved
 * previews afresh without trying the plan. Each says so in its outcome.
 */
const PROGRAM = `
const fs = require('fs');
const pulumi = require('@pulumi/pulumi');
console.log('PROGRAM-RAN');
const provider = {
  async create(inputs) { return { id: 'probe', outs: inputs }; },
  async diff(id, olds, news) { return { changes: olds.size !== news.size }; },
  async update(id, olds, news) { return { outs: news }; },
};
class Probe extends pulumi.dynamic.Resource { constructor(name, args) { super(provider, name, { size: undefined, ...args }); } }
// An input from outside the commit: the same tree can mean another program.
const extra = Number(fs.readFileSync(process.env.PLAN_PROBE_EXTRA, 'utf8'));
const probe = new Probe('probe', { size: new pulumi.Config().requireNumber('size') + extra });
module.exports = { size: probe.size };
`;

describe('engine: update plans, from a preview to the apply of the same content', function () {
  this.timeout(600_000);
  let root: string;
  let work: string;
  let extraFile: string;
  let runner: StackRunner;
  let redis: Redis;
  let plans: PlanStore;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'homeostat-plans-'));
    work = join(root, 'repo');
    mkdirSync(work);
    mkdirSync(join(root, 'state'));
    extraFile = join(root, 'extra');
    writeFileSync(extraFile, '0');
    writeFileSync(join(work, 'Pulumi.yaml'), 'name: planprobe\nruntime: nodejs\n');
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'planprobe', main: 'index.js' }));
    writeFileSync(join(work, 'index.js'), PROGRAM);
    writeFileSync(join(work, '.gitignore'), 'node_modules\n');
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    await git(['init', '-q', '-b', 'main'], { cwd: work });
    const toolchain = resolveToolchain();
    runner = await createStackRunner({
      pulumiDir: toolchain.pulumiDir,
      backendUrl: `file://${join(root, 'state')}`,
      passphrase: 'update-plans-passphrase',
      policyPacks: [],
      plugins: { mode: 'off' },
      env: { ...toolchain.engineEnv, PLAN_PROBE_EXTRA: extraFile },
    });
    redis = createRedis(testServices().redisUrl);
    plans = createPlanStore(redis, uniqueId('plans'));
  });

  after(async () => {
    await redis?.quit();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A commit setting the stack's size; its checkout is the working folder (`checkout` goes back to it). */
  async function commitSize(size: number): Promise<SourceArtifact> {
    writeFileSync(join(work, 'Pulumi.probe.yaml'), `config:\n  planprobe:size: "${size}"\n`);
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    await git(['add', '.'], { cwd: work });
    await git(['commit', '-qm', `size ${size}`, '--allow-empty'], { cwd: work, env });
    const commit = (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
    const tree = (await git(['rev-parse', 'HEAD^{tree}'], { cwd: work })).trim();
    return { repo: work, commit, dir: work, digest: `git-tree:${tree}` };
  }
  const checkout = (a: SourceArtifact) => git(['checkout', '-q', a.commit, '--', 'Pulumi.probe.yaml'], { cwd: work });

  async function deploy(artifact: SourceArtifact, apply: boolean): Promise<{ outcome: DeployOutcome; phases: number; programRuns: number }> {
    const events: EngineEvent[] = [];
    const outcome = await deployStack(runner, { artifact, project: '', stack: 'probe', apply, policyPacks: [], deployedOutputs: {}, onEngineEvent: (e) => events.push(e), plans: { store: plans, repo: 'probe' } });
    // A `pulumi up` that previews numbers its preview's events and its update's each from 0.
    return { outcome, phases: events.filter((e) => e.sequence === 0).length, programRuns: events.filter((e) => e.diagnosticEvent?.message.includes('PROGRAM-RAN')).length };
  }
  const outputSize = async () => (await runner.outputs({ workDir: work, stack: 'probe' })).size;

  it('the first apply has no plan at hand: it previews and updates in one engine run, and says NoPlan', async () => {
    const { outcome, phases } = await deploy(await commitSize(1), true);
    assert.equal(outcome.status, 'applied', outcome.apply?.error);
    assert.deepEqual(outcome.plan, { used: false, reason: 'NoPlan' });
    assert.equal(phases, 2, 'a preview and an update');
  });

  it("a preview saves its plan; the apply of the same tree on the same state runs within it, with no preview of its own", async () => {
    const artifact = await commitSize(2);
    const preview = await deploy(artifact, false);
    assert.equal(preview.outcome.status, 'previewed');
    assert.match(preview.outcome.plan?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(preview.outcome.plan?.saved, true);
    const apply = await deploy(artifact, true);
    assert.equal(apply.outcome.status, 'applied', apply.outcome.apply?.error);
    assert.deepEqual(apply.outcome.plan, { digest: preview.outcome.plan?.digest, used: true });
    assert.equal(apply.phases, 1, 'the update alone: no second preview');
    assert.equal(apply.programRuns, 1, 'the program ran once');
    assert.equal(await outputSize(), 2);
  });

  it('a program that does something else than was previewed is refused by the engine, previewed afresh and applied, and says PlanRefused', async () => {
    const artifact = await commitSize(3);
    const preview = await deploy(artifact, false);
    writeFileSync(extraFile, '10');
    const apply = await deploy(artifact, true);
    assert.equal(apply.outcome.status, 'applied', apply.outcome.apply?.error);
    assert.deepEqual(apply.outcome.plan, { digest: preview.outcome.plan?.digest, used: false, reason: 'PlanRefused' });
    assert.equal(apply.phases, 3, 'the refused update, then a fresh preview and update');
    assert.equal(await outputSize(), 13, 'what the program does now, not what was previewed');
    writeFileSync(extraFile, '0');
  });

  it('after the stack moved (another commit applied), the apply previews afresh without trying the plan, and says StackMoved', async () => {
    const previewed = await commitSize(4);
    const preview = await deploy(previewed, false);
    assert.equal((await deploy(await commitSize(5), true)).outcome.status, 'applied');
    await checkout(previewed);
    const apply = await deploy(previewed, true);
    assert.equal(apply.outcome.status, 'applied', apply.outcome.apply?.error);
    assert.deepEqual(apply.outcome.plan, { digest: preview.outcome.plan?.digest, used: false, reason: 'StackMoved' });
    assert.equal(apply.phases, 2, 'a fresh preview and the update');
    assert.equal(await outputSize(), 4);
  });
});
