import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { TimelineEventSchema, type TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';

/**
 * The scenario suite: each scenario run as a user runs it,
 * `homeostat sandbox --scenario <name> --once --json` in a child process,
 * judged on its JSON timeline, its exit code and the Git history of the
 * sandbox's remote. Each takes two to four minutes.
 */

interface SandboxRun {
  code: number | null;
  events: TimelineEvent[];
  stderr: string;
  remote: string;
}

const running = new Set<ChildProcess>();

async function runScenario(scenario: string, dataDir: string): Promise<SandboxRun> {
  const child = spawn(process.execPath, ['orchestrator/cli/bin.mjs', 'sandbox', '--scenario', scenario, '--once', '--json', '--data-dir', dataDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-8000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  running.delete(child);
  const events = stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      let doc: unknown;
      try {
        doc = JSON.parse(l);
      } catch {
        assert.fail(`stdout line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
      }
      return TimelineEventSchema.parse(doc);
    });
  return { code, events, stderr, remote: join(dataDir, 'git', 'remote.git') };
}

/** Commits on the remote's main, newest first, with their playbook trailer. */
async function history(remote: string): Promise<{ sha: string; author: string; subject: string; playbook: string }[]> {
  const out = await git(['--git-dir', remote, 'log', '--format=%H%x09%an%x09%s%x09%(trailers:key=Homeostat-Playbook,valueonly,separator=%x2C)', 'main']);
  return out.split('\n').filter(Boolean).map((l) => {
    const [sha = '', author = '', subject = '', playbook = ''] = l.split('\t');
    return { sha, author, subject, playbook: playbook.trim() };
  });
}

async function stackConfig(remote: string, key: string): Promise<string | undefined> {
  const text = await git(['--git-dir', remote, 'show', 'main:stacks/Pulumi.sandbox.yaml']);
  return new RegExp(`^\\s*${key}:\\s*"?([^"\\s#]+)`, 'm').exec(text)?.[1];
}

const show = (run: SandboxRun) =>
  `exit ${run.code}\n${run.events.map((e) => `${e.at.slice(11, 19)} ${e.type} ${e.outcome ?? ''} ${e.message.slice(0, 160)}`).join('\n')}\n--- stderr tail ---\n${run.stderr.slice(-2000)}`;

/** The first event of `type` matching `pred`, after index `from`; fails with the timeline. */
function find(run: SandboxRun, type: TimelineEvent['type'], pred: (e: TimelineEvent) => boolean = () => true, from = 0): { e: TimelineEvent; i: number } {
  const i = run.events.findIndex((e, j) => j >= from && e.type === type && pred(e));
  assert.ok(i >= 0, `no ${type} event${from ? ` after #${from}` : ''}:\n${show(run)}`);
  return { e: run.events[i]!, i };
}

/** What every scenario shows: the initial push deployed, a clock, a final verdict. */
function assertCommonTimeline(run: SandboxRun, scenario: string, outcome: 'passed'): TimelineEvent {
  for (const e of run.events) assert.ok(e.type && e.at && !Number.isNaN(Date.parse(e.at)), `every event has a type and a time: ${JSON.stringify(e)}`);
  const push = find(run, 'push', (e) => /initial stacks/.test(e.message));
  const preview = find(run, 'preview', (e) => e.commit === push.e.commit, push.i);
  const policy = find(run, 'policy', (e) => e.commit === push.e.commit, preview.i);
  const apply = find(run, 'apply', (e) => e.commit === push.e.commit && e.outcome === 'ok', policy.i);
  assert.ok(apply.e.durationMs! > 0, 'the apply says how long it took');
  find(run, 'service', (e) => /clock started/.test(e.message), apply.i);
  const last = run.events.at(-1)!;
  assert.equal(last.type, 'service', show(run));
  assert.equal(last.outcome, outcome, show(run));
  assert.equal(last.details?.scenario, scenario);
  assert.equal(run.code, 0, show(run));
  return last;
}

describe('sandbox scenarios, through the CLI (--scenario X --once --json)', function () {
  this.timeout(10 * 60_000);
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'homeostat-sandbox-'));
  });
  afterEach(async () => {
    for (const child of running) child.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses an unknown scenario at once, naming the valid ones', async () => {
    const run = await runScenario('meteor-strike', dataDir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown scenario "meteor-strike": valid scenarios are traffic-spike, bad-release, slow-saturation, false-alarm/);
  });

  it('traffic-spike: scale-out committed, applied and verified effective', async () => {
    const run = await runScenario('traffic-spike', dataDir);
    const verdict = assertCommonTimeline(run, 'traffic-spike', 'passed');
    const incident = find(run, 'incident', (e) => e.outcome === 'opened');
    const proposal = find(run, 'proposal', (e) => e.playbook === 'scale-out', incident.i);
    assert.ok(typeof proposal.e.confidence === 'number' && proposal.e.incident, 'a proposal carries its incident and confidence');
    const commit = find(run, 'commit', (e) => e.playbook === 'scale-out' && /^[0-9a-f]{40}$/.test(e.commit ?? ''), proposal.i);
    const apply = find(run, 'apply', (e) => e.commit === commit.e.commit && e.outcome === 'ok', commit.i);
    find(run, 'verify', (e) => e.commit === commit.e.commit && e.outcome === 'effective', apply.i);
    const log = await history(run.remote);
    assert.equal(log.find((c) => c.sha === commit.e.commit)?.playbook, 'scale-out', JSON.stringify(log));
    assert.ok(Number(await stackConfig(run.remote, 'sandbox:capacity')) > 2, 'capacity grew in Git');
    const m = verdict.details!.measurements as { detection: unknown; commit: unknown; recovery: unknown };
    assert.ok(m.detection && m.commit && m.recovery, JSON.stringify(m));
  });

  it('bad-release: a person releases a bad version; the revert is verified effective', async () => {
    const run = await runScenario('bad-release', dataDir);
    assertCommonTimeline(run, 'bad-release', 'passed');
    const release = find(run, 'push', (e) => /released v1\.1\.0/.test(e.message));
    find(run, 'apply', (e) => e.commit === release.e.commit && e.outcome === 'ok', release.i);
    const incident = find(run, 'incident', (e) => e.commit === release.e.commit, release.i);
    const proposal = find(run, 'proposal', (e) => e.playbook === 'rollback-deploy', incident.i);
    const commit = find(run, 'commit', (e) => e.playbook === 'rollback-deploy', proposal.i);
    find(run, 'verify', (e) => e.commit === commit.e.commit && e.outcome === 'effective', commit.i);
    const log = await history(run.remote);
    assert.ok(log.some((c) => c.sha === release.e.commit && c.author === 'Dana Developer'), 'the release is a person\'s commit');
    assert.ok(log.some((c) => c.sha === commit.e.commit && c.playbook === 'rollback-deploy'), JSON.stringify(log));
    assert.equal(await stackConfig(run.remote, 'sandbox:version'), 'v1.0.0', 'the version is back in Git');
  });

  it('slow-saturation: scaled up or out before errors', async () => {
    const run = await runScenario('slow-saturation', dataDir);
    const verdict = assertCommonTimeline(run, 'slow-saturation', 'passed');
    const commit = find(run, 'commit', (e) => e.playbook === 'scale-out' || e.playbook === 'scale-up');
    find(run, 'verify', (e) => e.commit === commit.e.commit && e.outcome === 'effective', commit.i);
    const m = verdict.details!.measurements as { remedyMinute: number | null; firstErrorMinute: number | null };
    assert.ok(m.remedyMinute !== null && (m.firstErrorMinute === null || m.remedyMinute <= m.firstErrorMinute), JSON.stringify(m));
    const log = await history(run.remote);
    assert.ok(log.some((c) => c.sha === commit.e.commit && /scale-(out|up)/.test(c.playbook)), JSON.stringify(log));
  });

  it('false-alarm: a blip leads to no change', async () => {
    const run = await runScenario('false-alarm', dataDir);
    const verdict = assertCommonTimeline(run, 'false-alarm', 'passed');
    assert.equal(run.events.filter((e) => e.type === 'commit').length, 0, show(run));
    const log = await history(run.remote);
    assert.deepEqual(log.filter((c) => c.playbook !== ''), [], 'no remediation commit in Git');
    assert.equal(await stackConfig(run.remote, 'sandbox:capacity'), '2');
    assert.equal((verdict.details!.measurements as { actions: number }).actions, 0);
  });
});
