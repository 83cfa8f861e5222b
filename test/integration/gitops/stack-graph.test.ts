import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StackGraph } from '../../../orchestrator/graph/stack-graph.ts';
import type { RunRecord } from '../../../orchestrator/records/run-record.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { as, TEST_TOKENS } from '../../support/test-tokens.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

/**
 * Two projects of one repository, where the consumer reads the producer's
 * output through a StackReference: the engine's events of the consumer's
 * apply show the reference, the stack's status keeps it, and the graph (API
 * and CLI) is built from it. Plain JavaScript programs, no provider plugin.
 */
// ES modules: the repository's package.json says "type": "module".
const producer = (endpoint: string) => `export const endpoint = '${endpoint}';\n`;
const CONSUMER = `
import * as pulumi from '@pulumi/pulumi';
const ref = new pulumi.StackReference('upstream', { name: 'organization/producer/dev' });
export const upstream = ref.getOutput('endpoint');
`;

/** Applied by the engine: `unchanged` when no resource changed (a program of outputs alone changes only those). */
const applied = (r: RunRecord) => r.status === 'applied' || r.status === 'unchanged';

function writeProject(root: string, name: string, program: string, config: string): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Pulumi.yaml'), `name: ${name}\nruntime: nodejs\nmain: index.js\n`);
  writeFileSync(join(dir, 'index.js'), program);
  writeFileSync(join(dir, 'Pulumi.dev.yaml'), config);
}

describe('gitops: the stack graph from the StackReferences the engine saw', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let previous = ZERO_SHA;

  async function push(message: string): Promise<string> {
    const commit = await fx.repo.commitAndPush(message);
    const res = await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', previous, commit) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    previous = commit;
    return commit;
  }

  /** The newest finished run of the stack at the commit that `matches` (by default, one that ran); on a timeout, what the runs were doing. */
  async function finished(stackKey: string, commit: string, matches: (r: RunRecord) => boolean = (r) => r.status !== 'skipped', timeoutMs = 240_000): Promise<RunRecord> {
    try {
      return await waitFor(`a finished run of ${stackKey}@${commit.slice(0, 7)}`, async () => {
        const runs = await fx.store.list({ stackKey, limit: 50 });
        return runs.find((r) => r.commit === commit && r.phase === 'done' && r.status !== 'running' && matches(r));
      }, timeoutMs, 250);
    } catch (err) {
      const runs = await fx.store.list({ limit: 30 });
      const seen = runs.map((r) => `${r.stackKey} ${r.commit.slice(0, 7)} ${r.trigger.kind} ${r.status}/${r.phase} ${r.reason ?? ''} ${r.message ?? ''}`.slice(0, 300));
      throw new Error(`${(err as Error).message}; runs:\n${seen.join('\n')}`, { cause: err });
    }
  }

  async function graph(): Promise<StackGraph> {
    const res = await fetch(`${service.url}/api/graph`, { headers: as('viewer') });
    assert.equal(res.status, 200);
    return ((await res.json()) as { graph: StackGraph }).graph;
  }

  before(async () => {
    // Only the `dev` stacks: the two projects below, not the sandbox's own stacks.
    fx = await createGitopsFixture({}, { stacks: ['dev'] });
    service = await startService(fx.config, { engineEnv: { HOMEOSTAT_FLEET_URL: fx.fleet.url } });
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
  });

  it('records the reference of the consumer and orders the producer first', async () => {
    writeProject(fx.repo.workDir, 'producer', producer('http://producer.internal:8080'), 'config: {}\n');
    const first = await push('the producer');
    const made = await finished('infra/producer/dev', first);
    assert.ok(applied(made), made.message);

    writeProject(fx.repo.workDir, 'consumer', CONSUMER, 'config:\n  homeostat:owner: platform-team\n');
    const second = await push('the consumer reads the producer');
    const run = await finished('infra/consumer/dev', second);
    assert.ok(applied(run), run.message);
    assert.deepEqual(run.applySummary?.stackReferences, ['organization/producer/dev']);
    assert.equal(run.applySummary?.outputs['upstream'], 'http://producer.internal:8080');

    const g = await graph();
    assert.deepEqual(g.edges, [{ from: 'infra/consumer/dev', to: 'infra/producer/dev', via: 'reference', name: 'organization/producer/dev' }]);
    assert.deepEqual(g.order, [['infra/producer/dev'], ['infra/consumer/dev']]);
    assert.deepEqual(g.unresolved, []);
    // The stack page's links.
    const links = await fetch(`${service.url}/api/stacks/${encodeURIComponent('infra/producer/dev')}/links`, { headers: as('viewer') });
    assert.deepEqual(await links.json(), { stackKey: 'infra/producer/dev', known: true, dependsOn: [], dependents: ['infra/consumer/dev'] });
  });

  it("applies the consumer again when the producer's outputs change, with the new value", async () => {
    writeFileSync(join(fx.repo.workDir, 'producer', 'index.js'), producer('http://producer.internal:9090'));
    const commit = await push('the producer moves to port 9090');
    assert.ok(applied(await finished('infra/producer/dev', commit)));
    const run = await finished('infra/consumer/dev', commit, applied);
    assert.equal(run.trigger.kind, 'dependency');
    assert.equal(run.applySummary?.outputs['upstream'], 'http://producer.internal:9090');
  });

  it('applies a push that changes both stacks producer first', async () => {
    writeFileSync(join(fx.repo.workDir, 'producer', 'index.js'), producer('http://producer.internal:7070'));
    writeFileSync(join(fx.repo.workDir, 'consumer', 'index.js'), CONSUMER + 'export const note = "second version";\n');
    const commit = await push('both change');
    const first = await finished('infra/producer/dev', commit);
    assert.ok(applied(first), first.message);
    const second = await finished('infra/consumer/dev', commit, applied);
    assert.ok(second.timings.startedAt! >= first.timings.finishedAt!, `the consumer started at ${second.timings.startedAt}, before the producer finished at ${first.timings.finishedAt}`);
    assert.equal(second.applySummary?.outputs['upstream'], 'http://producer.internal:7070');
    assert.equal(second.applySummary?.outputs['note'], 'second version');
  });

  it('blocks the consumer while the producer fails, and applies it once the producer is fixed', async () => {
    // A dependsOn that is not a list stalls the producer before its engine runs, naming the file.
    writeFileSync(join(fx.repo.workDir, 'producer', 'Pulumi.dev.yaml'), 'config:\n  homeostat:dependsOn: consumer/dev\n');
    writeFileSync(join(fx.repo.workDir, 'consumer', 'index.js'), CONSUMER + 'export const note = "third version";\n');
    const broken = await push('a bad producer config, and a consumer change');
    const failed = await finished('infra/producer/dev', broken);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.reason, 'InvalidProgram');
    assert.match(failed.message ?? '', /producer\/Pulumi\.dev\.yaml: homeostat:dependsOn: a list of stack names/);
    const blocked = await finished('infra/consumer/dev', broken, (r) => r.reason === 'Blocked');
    assert.equal(blocked.status, 'skipped');
    assert.match(blocked.message ?? '', /infra\/producer\/dev failed \(InvalidProgram: /);
    const status = await fx.store.status('infra/consumer/dev');
    assert.equal(status.conditions.Ready.reason, 'Blocked');

    // Back to what was applied: the producer runs again all the same, its last run having failed.
    writeFileSync(join(fx.repo.workDir, 'producer', 'Pulumi.dev.yaml'), 'config: {}\n');
    const fixed = await push('the producer config fixed');
    assert.ok(applied(await finished('infra/producer/dev', fixed)));
    const followed = await finished('infra/consumer/dev', fixed, applied, 60_000);
    assert.equal(followed.applySummary?.outputs['note'], 'third version');
    assert.equal((await fx.store.status('infra/consumer/dev')).conditions.Ready.status, true);
  });

  it('names the cycle a declared dependency closes, in the API and in `homeostat graph`, which exits 1', async () => {
    writeFileSync(join(fx.repo.workDir, 'producer', 'Pulumi.dev.yaml'), 'config:\n  homeostat:dependsOn:\n    - consumer/dev\n');
    const commit = await push('the producer declares it needs the consumer');
    assert.ok(applied(await finished('infra/producer/dev', commit)));

    const g = await graph();
    assert.deepEqual(g.cycle, ['infra/consumer/dev', 'infra/producer/dev', 'infra/consumer/dev']);
    assert.deepEqual(g.order, []);

    const cli = await promisify(execFile)(process.execPath, ['orchestrator/cli/bin.mjs', '--url', service.url!, 'graph'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, HOMEOSTAT_TOKEN: TEST_TOKENS['viewer']! },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /cycle: infra\/consumer\/dev → infra\/producer\/dev → infra\/consumer\/dev/);
    assert.match(cli.stdout, /infra\/producer\/dev +infra\/consumer\/dev +dependsOn +consumer\/dev/);
  });
});
