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
 * sandbox's remote. The stand-in on call approves every review item, so
 * whatever Homeostat proposes for review is applied. Each run takes two to
 * four minutes (one simulated minute per real second); the false alarm is
 * played with several seeds, whose blips last 1 to 6 simulated minutes.
 */

interface SandboxRun {
  code: number | null;
  events: TimelineEvent[];
  stderr: string;
  remote: string;
}

const running = new Set<ChildProcess>();

async function runScenario(scenario: string, dataDir: string, extra: readonly string[] = []): Promise<SandboxRun> {
  const child = spawn(process.execPath, ['orchestrator/cli/bin.mjs', 'sandbox', '--scenario', scenario, '--once', '--json', '--data-dir', dataDir, ...extra], {
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
  find(run, 'service', (e) => /a stand-in for the person at the dashboard: approves every review item/.test(e.message));
  const last = run.events.at(-1)!;
  assert.equal(last.type, 'service', show(run));
  assert.equal(last.outcome, outcome, show(run));
  assert.equal(last.details?.scenario, scenario);
  assert.equal(run.code, 0, show(run));
  return last;
}

interface Observed {
  proposed: string[];
  reviewItems: string[];
  applied: string[];
  verifiedEffective: string[];
}

/** What the verdict read from the service's records: everything applied was one of `playbooks`, and one of them was verified effective. */
function assertAppliedOnly(verdict: TimelineEvent, playbooks: readonly string[]): Observed {
  const observed = verdict.details!.observed as Observed;
  assert.ok(observed.applied.length > 0 && observed.applied.every((a) => playbooks.some((p) => a.startsWith(`${p} `))), JSON.stringify(observed));
  assert.ok(observed.verifiedEffective.some((p) => playbooks.includes(p)), JSON.stringify(observed));
  return observed;
}

/**
 * The verdict's warning (read from the service's incident records): a predicted incident came, and
 * before the first error and the first alarm (each may never have come); the timeline shows it opened.
 */
function assertWarnedAhead(run: SandboxRun, verdict: TimelineEvent): void {
  const w = (verdict.details!.measurements as { warning: { warnedMinute: number | null; firstErrorMinute: number | null; firstAlarmMinute: number | null } | null }).warning;
  assert.ok(w && w.warnedMinute !== null, `no warning on record: ${JSON.stringify(verdict.details)}`);
  assert.ok(w.firstErrorMinute === null || w.warnedMinute < w.firstErrorMinute, JSON.stringify(w));
  assert.ok(w.firstAlarmMinute === null || w.warnedMinute < w.firstAlarmMinute, JSON.stringify(w));
  find(run, 'incident', (e) => e.outcome === 'opened' && e.details?.predicted === true);
  console.log(`      ${String(verdict.details!.scenario)}: warned at minute ${w.warnedMinute}; first error ${w.firstErrorMinute ?? 'never'}, first alarm ${w.firstAlarmMinute ?? 'never'}; ${verdict.message}`);
}

/** False-alarm seeds and the blip each draws (scenarios.ts `blipMinutesOf`): every length from 1 to 6 minutes. */
const FALSE_ALARM_SEEDS: readonly (readonly [seed: number, blipMinutes: number])[] = [
  [2, 1],
  [3, 2],
  [8, 3],
  [14, 4],
  [1, 5],
  [7, 6],
];

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

  it('refuses an unknown scenario, or a bad seed, at once, naming the valid ones', async () => {
    const run = await runScenario('meteor-strike', dataDir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown scenario "meteor-strike": valid scenarios are traffic-spike, bad-release, slow-saturation, disk-fill, false-alarm, manual-change, dependency-slowdown/);
    const seeded = await runScenario('false-alarm', dataDir, ['--seed', '-4']);
    assert.equal(seeded.code, 2);
    assert.match(seeded.stderr, /invalid seed "-4": a whole number from 0 to 2147483647/);
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
    assertAppliedOnly(verdict, ['scale-out']);
  });

  it('bad-release: a person releases a bad version; the revert is verified effective', async () => {
    const run = await runScenario('bad-release', dataDir);
    const verdict = assertCommonTimeline(run, 'bad-release', 'passed');
    assertAppliedOnly(verdict, ['rollback-deploy']);
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
    assertAppliedOnly(verdict, ['scale-out', 'scale-up']);
    assertWarnedAhead(run, verdict);
  });

  it('disk-fill: warned by a predicted incident before any error or alarm; a bigger volume, verified effective', async () => {
    const run = await runScenario('disk-fill', dataDir);
    const verdict = assertCommonTimeline(run, 'disk-fill', 'passed');
    assertWarnedAhead(run, verdict);
    const commit = find(run, 'commit', (e) => e.playbook === 'grow-volume');
    find(run, 'verify', (e) => e.commit === commit.e.commit && e.outcome === 'effective', commit.i);
    const m = verdict.details!.measurements as { remedyMinute: number | null; firstErrorMinute: number | null };
    assert.ok(m.remedyMinute !== null && (m.firstErrorMinute === null || m.remedyMinute <= m.firstErrorMinute), JSON.stringify(m));
    assert.ok(Number(await stackConfig(run.remote, 'sandbox:volumeGiB')) > 20, 'the volume grew in Git');
    assertAppliedOnly(verdict, ['grow-volume']);
  });

  it("manual-change: a console shrink, seen as a change event, is reconciled back to Git's commit, not scaled out", async () => {
    const run = await runScenario('manual-change', dataDir);
    const verdict = assertCommonTimeline(run, 'manual-change', 'passed');
    const initial = find(run, 'push', (e) => /initial stacks/.test(e.message)).e.commit;
    const tamper = find(run, 'service', (e) => /in the console, outside Git/.test(e.message));
    find(run, 'change', (e) => /console-operator UpdateService/.test(e.message), tamper.i);
    const drift = find(run, 'drift', (e) => /explained by .*console-operator/.test(e.message) && e.outcome === 'reconcile', tamper.i);
    find(run, 'apply', (e) => e.commit === initial && e.outcome === 'ok', drift.i);
    for (const e of run.events.filter((x) => x.type === 'incident' && x.outcome === 'opened')) console.log(`      incident: ${e.message.slice(0, 200)}`);
    assert.deepEqual(run.events.filter((e) => e.type === 'commit'), [], show(run));
    const log = await history(run.remote);
    assert.deepEqual(log.filter((c) => c.playbook !== ''), [], 'no remediation commit in Git');
    assert.equal(log[0]?.sha, initial, "Git's commit is still the head");
    assert.equal(await stackConfig(run.remote, 'sandbox:capacity'), '2');
    assert.deepEqual((verdict.details!.observed as Observed).applied, []);
    console.log(`      ${verdict.message}`);
  });

  it("dependency-slowdown: the incident's top cause names payments (from the spans), nothing is proposed or committed on checkout", async () => {
    const run = await runScenario('dependency-slowdown', dataDir);
    const verdict = assertCommonTimeline(run, 'dependency-slowdown', 'passed');
    const incident = find(run, 'incident', (e) => e.outcome === 'opened' && e.stack === 'sandbox');
    // The incident's last word (its record, re-diagnosed once the trace period closed) names the dependency.
    const last = run.events.filter((e) => e.type === 'incident' && e.incident === incident.e.incident).at(-1)!;
    assert.match(last.message, /dependency \(0\.\d+\)/, show(run));
    assert.match((verdict.details!.reasons as string[])[0] ?? '', /top cause dependency payments/, JSON.stringify(verdict.details));
    assert.deepEqual(run.events.filter((e) => (e.type === 'proposal' && e.outcome !== 'no-action') || e.type === 'commit' || (e.type === 'decision' && e.outcome === 'review')), [], show(run));
    const observed = verdict.details!.observed as Observed;
    assert.deepEqual([observed.proposed, observed.reviewItems, observed.applied], [[], [], []], JSON.stringify(observed));
    const log = await history(run.remote);
    assert.deepEqual(log.filter((c) => c.playbook !== ''), [], 'no remediation commit in Git');
    assert.equal(await stackConfig(run.remote, 'sandbox:capacity'), '2', "checkout's capacity unchanged in Git");
    console.log(`      ${verdict.message}`);
  });

  /** One false-alarm run judged: nothing proposed, reviewed, committed or changed. */
  async function assertFalseAlarm(seed: number, blipMinutes: number, run: SandboxRun): Promise<void> {
    const clock = find(run, 'service', (e) => /clock started/.test(e.message)).e;
    assert.equal(clock.details?.seed, seed);
    assert.equal(clock.details?.faultMinutes, blipMinutes, `seed ${seed}: the blip the seed draws`);
    assert.match(clock.message, new RegExp(`seed ${seed}; scenario false-alarm: one blip of ${blipMinutes} minutes?`));
    const verdict = assertCommonTimeline(run, 'false-alarm', 'passed');
    const incidents = run.events.filter((e) => e.type === 'incident' && e.outcome === 'opened').length;
    const noActions = run.events.filter((e) => e.type === 'proposal' && e.outcome === 'no-action').length;
    console.log(`      seed ${seed}: blip of ${blipMinutes} min; ${incidents} incident(s), ${noActions} no-action decision(s); ${verdict.message}`);
    assert.deepEqual(run.events.filter((e) => (e.type === 'proposal' && e.outcome !== 'no-action') || e.type === 'commit' || (e.type === 'decision' && e.outcome === 'review')), [], `seed ${seed}:\n${show(run)}`);
    const observed = verdict.details!.observed as Observed;
    assert.deepEqual([observed.proposed, observed.reviewItems, observed.applied], [[], [], []], `seed ${seed}: ${JSON.stringify(observed)}`);
    const log = await history(run.remote);
    assert.deepEqual(log.filter((c) => c.playbook !== ''), [], `seed ${seed}: no remediation commit in Git`);
    assert.equal(await stackConfig(run.remote, 'sandbox:capacity'), '2');
    assert.equal((verdict.details!.measurements as { actions: number; proposals: number }).actions, 0);
    assert.equal((verdict.details!.measurements as { actions: number; proposals: number }).proposals, 0);
  }

  // The seeds run three at a time, each a CLI process with its own data folder, Redis, moto and
  // fleet: a run is paced by its simulated clock (a minute per second), not by the CPU, so three
  // side by side take about as long as one, and the suite stays within CI's time.
  for (let b = 0; b < FALSE_ALARM_SEEDS.length; b += 3) {
    const batch = FALSE_ALARM_SEEDS.slice(b, b + 3);
    const names = batch.map(([seed, minutes]) => `seed ${seed} (${minutes} min)`).join(', ');
    it(`false-alarm, ${names}: a blip leads to no proposal, no review item and no change`, async () => {
      const dirs = await Promise.all(batch.map(() => mkdtemp(join(tmpdir(), 'homeostat-sandbox-'))));
      try {
        const runs = await Promise.all(batch.map(([seed], i) => runScenario('false-alarm', dirs[i]!, ['--seed', String(seed)])));
        for (const [i, [seed, blipMinutes]] of batch.entries()) await assertFalseAlarm(seed, blipMinutes, runs[i]!);
      } finally {
        await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
      }
    });
  }
});
