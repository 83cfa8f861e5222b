import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StackGraph } from '../../../orchestrator/graph/stack-graph.ts';
import type { RunRecord } from '../../../orchestrator/records/run-record.ts';
import type { TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { as, TEST_TOKENS } from '../../support/test-tokens.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

/**
 * A chain of three projects of one repository, each reading the one before
 * through a StackReference (c reads b, b reads a), and declaring it in
 * `homeostat:dependsOn` so that their first push is ordered before the engine
 * has seen any reference. The engine's events of each apply show the
 * references, the stack's status keeps them, and the graph (API and CLI) is
 * built from them. Plain JavaScript programs of outputs alone, no provider plugin.
 */
// ES modules: the repository's package.json says "type": "module".
const first = (endpoint: string) => `export const endpoint = '${endpoint}';\n`;
/** Reads `from`'s endpoint and passes it on with its own path added. */
const reader = (from: string, path: string, extra = '') => `
import * as pulumi from '@pulumi/pulumi';
const ref = new pulumi.StackReference('upstream', { name: 'organization/${from}/dev' });
export const upstream = ref.getOutput('endpoint');
export const endpoint = pulumi.interpolate\`\${upstream}/${path}\`;
${extra}`;
const dependsOn = (...names: string[]) => `config:\n  homeostat:dependsOn:\n${names.map((n) => `    - ${n}\n`).join('')}`;

/** Applied by the engine (an apply that changed only outputs is `applied` too). */
const applied = (r: RunRecord) => r.status === 'applied' || r.status === 'unchanged';

function writeProject(root: string, name: string, program: string, config: string): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Pulumi.yaml'), `name: ${name}\nruntime: nodejs\nmain: index.js\n`);
  writeFileSync(join(dir, 'index.js'), program);
  writeFileSync(join(dir, 'Pulumi.dev.yaml'), config);
}

/** `later` started only after `earlier` finished. */
function startedAfter(later: RunRecord, earlier: RunRecord): void {
  assert.ok(later.timings.startedAt! >= earlier.timings.finishedAt!, `${later.stackKey} started at ${later.timings.startedAt}, before ${earlier.stackKey} finished at ${earlier.timings.finishedAt}`);
}

describe('gitops: a chain of three stacks (a → b → c) in the order of the stack graph', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let previous = ZERO_SHA;
  const timeline: TimelineEvent[] = [];

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
    service = await startService(fx.config, { engineEnv: { HOMEOSTAT_FLEET_URL: fx.fleet.url }, emit: (e) => void timeline.push(e) });
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
  });

  const A = 'infra/a/dev';
  const B = 'infra/b/dev';
  const C = 'infra/c/dev';

  it('applies the first push of three new stacks in the order their dependsOn declares, and records their references', async () => {
    writeProject(fx.repo.workDir, 'a', first('http://a.internal:8080'), 'config: {}\n');
    writeProject(fx.repo.workDir, 'b', reader('a', 'b'), dependsOn('a/dev'));
    writeProject(fx.repo.workDir, 'c', reader('b', 'c'), dependsOn('b/dev'));
    const commit = await push('three stacks, each reading the one before');
    const [a, b, c] = [await finished(A, commit), await finished(B, commit), await finished(C, commit)];
    for (const r of [a, b, c]) assert.ok(applied(r), `${r.stackKey}: ${r.status} ${r.message}`);
    startedAfter(b, a);
    startedAfter(c, b);
    // A program of outputs alone: the apply changed no resource, only outputs, and says which.
    assert.equal(a.status, 'applied');
    assert.deepEqual(a.changedOutputs, ['endpoint']);
    assert.equal(c.applySummary?.outputs['endpoint'], 'http://a.internal:8080/b/c');

    const g = await graph();
    assert.deepEqual(g.edges, [
      { from: B, to: A, via: 'reference', name: 'organization/a/dev' },
      { from: C, to: B, via: 'reference', name: 'organization/b/dev' },
    ]);
    assert.deepEqual(g.order, [[A], [B], [C]]);
    assert.deepEqual(g.unresolved, []);
    // The stack page's links.
    const links = await fetch(`${service.url}/api/stacks/${encodeURIComponent(B)}/links`, { headers: as('viewer') });
    assert.deepEqual(await links.json(), { stackKey: B, known: true, dependsOn: [A], dependents: [C] });
  });

  it("carries an output change of the first stack through the second to the last, in order", async () => {
    writeFileSync(join(fx.repo.workDir, 'a', 'index.js'), first('http://a.internal:9090'));
    const commit = await push('a moves to port 9090');
    const a = await finished(A, commit);
    assert.equal(a.status, 'applied');
    // Only a's files changed: b and c run because the outputs they read changed.
    const b = await finished(B, commit, applied);
    const c = await finished(C, commit, applied);
    assert.equal(b.trigger.kind, 'dependency');
    assert.equal(c.trigger.kind, 'dependency');
    assert.deepEqual(b.changedOutputs, ['endpoint', 'upstream']);
    startedAfter(b, a);
    startedAfter(c, b);
    assert.equal(c.applySummary?.outputs['endpoint'], 'http://a.internal:9090/b/c');
  });

  it('blocks the last stack while the middle one fails, naming it, and applies it once the middle one is fixed', async () => {
    // A dependsOn that is not a list stalls b before its engine runs, naming the file.
    writeFileSync(join(fx.repo.workDir, 'b', 'Pulumi.dev.yaml'), 'config:\n  homeostat:dependsOn: a/dev\n');
    writeFileSync(join(fx.repo.workDir, 'c', 'index.js'), reader('b', 'c', 'export const note = "second version";\n'));
    const broken = await push('a bad config of b, and a change of c');
    const failed = await finished(B, broken);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.reason, 'InvalidProgram');
    assert.match(failed.message ?? '', /b\/Pulumi\.dev\.yaml: homeostat:dependsOn: a list of stack names/);
    // The intake, which reads the list to order the push, names it too.
    const named = timeline.find((e) => e.commit === broken && e.type === 'error' && e.outcome === 'invalid');
    assert.match(named?.message ?? '', /b\/Pulumi\.dev\.yaml: homeostat:dependsOn: a list of stack names \(infra\/b\/dev is ordered by its recorded links/);
    const blocked = await finished(C, broken, (r) => r.reason === 'Blocked');
    assert.equal(blocked.status, 'skipped');
    assert.match(blocked.message ?? '', /infra\/b\/dev failed \(InvalidProgram: /);
    assert.equal((await fx.store.status(C)).conditions.Ready.reason, 'Blocked');

    // Back to what was applied: b runs again all the same, its last run having failed.
    writeFileSync(join(fx.repo.workDir, 'b', 'Pulumi.dev.yaml'), dependsOn('a/dev'));
    const fixed = await push('the config of b fixed');
    const b = await finished(B, fixed);
    assert.ok(applied(b), b.message);
    const c = await finished(C, fixed, applied, 60_000);
    startedAfter(c, b);
    assert.equal(c.applySummary?.outputs['note'], 'second version');
    assert.equal((await fx.store.status(C)).conditions.Ready.status, true);
  });

  it('names the cycle a reference closes, in the API and in `homeostat graph`, which exits 1', async () => {
    // The engine sees this reference only as it applies a; a cycle declared in dependsOn is refused before (see the unit tests).
    writeFileSync(join(fx.repo.workDir, 'a', 'index.js'), `${first('http://a.internal:9090')}import * as pulumi from '@pulumi/pulumi';\nnew pulumi.StackReference('last', { name: 'organization/c/dev' });\n`);
    const commit = await push('a reads c');
    assert.ok(applied(await finished(A, commit)));

    const g = await graph();
    assert.deepEqual(g.cycle, [A, C, B, A]);
    assert.deepEqual(g.order, []);

    const cli = await promisify(execFile)(process.execPath, ['orchestrator/cli/bin.mjs', '--url', service.url!, 'graph'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, HOMEOSTAT_TOKEN: TEST_TOKENS['viewer']! },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /cycle: infra\/a\/dev → infra\/c\/dev → infra\/b\/dev → infra\/a\/dev/);
    assert.match(cli.stdout, /infra\/a\/dev +infra\/c\/dev +reference +organization\/c\/dev/);
  });
});
