import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

/**
 * The program is compiled once per commit (build/program-build.ts) and the
 * real engine runs the compiled JavaScript. One service and repository for
 * all cases, few engine runs: the first push applies the sandbox stack from
 * its build and shares that build with web-prod (whose engine then fails for
 * its missing aws plugin, after the build); the second push does not compile
 * and never reaches the engine; the third fails at run time.
 */
describe('gitops: the program is compiled once per commit, and the engine runs the compiled JavaScript', function () {
  this.timeout(600_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let last = ZERO_SHA;
  const sandboxIndex = () => join(fx.repo.workDir, 'stacks', 'sandbox', 'index.ts');

  before(async () => {
    fx = await createGitopsFixture({}, { stacks: ['sandbox', 'web-prod'] });
    service = await startService(fx.config, { engineEnv: { HOMEOSTAT_FLEET_URL: fx.fleet.url } });
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
  });

  async function push(message: string): Promise<string> {
    const commit = await fx.repo.commitAndPush(message);
    const res = await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', last, commit) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    last = commit;
    return commit;
  }

  /** Lines of the program's source that hold `text`, counted from 1. */
  const lineOf = (file: string, text: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

  it('applies the sandbox stack from one compile that a second stack of the same commit reuses (counted once)', async () => {
    const commit = await push('the stacks');
    const sandbox = await fx.waitForRun(commit, 'applied', 240_000);
    const webProd = await waitFor('the web-prod run', async () => (await fx.store.list({ stackKey: 'infra/./web-prod', limit: 10 })).find((r) => r.commit === commit && r.status !== 'running'), 240_000, 250);
    assert.equal(webProd.reason, 'MissingPlugin', 'web-prod got past its build to the engine');
    assert.ok(sandbox.build && webProd.build, 'both runs record their build');
    assert.equal(sandbox.build.kind, 'compiled');
    assert.equal(sandbox.build.entry, 'stacks/main.mjs');
    assert.equal(sandbox.build.key, webProd.build.key, 'one build for one commit');
    assert.deepEqual([sandbox.build.reused, webProd.build.reused].sort(), [false, true], 'compiled by one run, reused by the other');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /^homeostat_program_builds_total\{target="program",kind="compiled"\} 1$/m);
    // The repository's TypeScript policy pack too: once, for both stacks' engines.
    assert.match(metrics, /^homeostat_program_builds_total\{target="policy-pack",kind="compiled"\} 1$/m);
  });

  it('stalls a program that does not compile as InvalidProgram, naming file and line, without starting the engine', async () => {
    const file = sandboxIndex();
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('export function sandboxProgram(', 'export function sandboxProgram(((('));
    const line = lineOf(file, 'sandboxProgram((((');
    const commit = await push('a typo');
    writeFileSync(file, good);
    const run = await fx.waitForRun(commit, 'failed', 120_000);
    assert.equal(run.reason, 'InvalidProgram', run.message);
    assert.match(run.message ?? '', new RegExp(`does not compile: stacks/sandbox/index\\.ts:${line}:\\d+: `));
    assert.equal(run.engines, undefined, 'no engine was started');
    assert.equal(run.previewSummary, undefined);
  });

  it('maps a runtime error\'s stack trace back to the TypeScript line that threw', async () => {
    const file = sandboxIndex();
    writeFileSync(file, readFileSync(file, 'utf8').replace(/(export function sandboxProgram\([^\n]*\n)/, '$1  throw new Error(\'sandbox broke at run time\');\n'));
    const line = lineOf(file, 'sandbox broke at run time');
    const commit = await push('a program that throws');
    const run = await fx.waitForRun(commit, 'failed', 240_000);
    assert.equal(run.reason, 'InvalidProgram', run.message);
    const errors = (run.applySummary ?? run.previewSummary)?.errors.join('\n') ?? '';
    assert.match(errors, /Error: sandbox broke at run time/);
    assert.match(errors, new RegExp(`at [^\\n]*stacks/sandbox/index\\.ts:${line}:\\d+\\)`), errors);
  });
});
