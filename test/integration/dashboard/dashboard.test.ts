import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { RunRecordSchema } from '../../../orchestrator/records/run-record.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { git } from '../../../orchestrator/source/git.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { remediationIdOf, RemediationRecordSchema, ReviewItemSchema, type ReviewItem } from '../../../orchestrator/remediate/remediation-record.ts';
import { createRemediationStore, type RemediationStore } from '../../../orchestrator/remediate/remediation-store.ts';
import { createGitopsFixture, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { previewRun } from '../../support/run-records.ts';
import { testServices } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';
import { as, TEST_TOKENS } from '../../support/test-tokens.ts';
import { timelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { launchChromium, screenshot, startDashboardServer, type DashboardServer } from './dashboard-server.ts';
import { openStream } from './sse-client.ts';
import { APPLIED, CPU, INCIDENT_ID, MIN, PROPOSED, SCORES, seed, STACK, T0 } from './dashboard-seed.ts';

describe('dashboard: the operator’s page in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: DashboardServer;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    server = await startDashboardServer();
    await seed(server);
    page = await browser.newPage();
    // A viewer's token, as a person would have typed it into the page (kept for the tab only).
    await page.addInitScript((token) => sessionStorage.setItem('homeostat.token', token), TEST_TOKENS.viewer!);
    pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterEach(async () => {
    await page?.close();
    await server?.close();
  });

  /** Text of the first element matching `selector`, once it is there. */
  async function textAt(selector: string): Promise<string> {
    await page.waitForSelector(selector, { timeout: 10_000 });
    return (await page.textContent(selector)) ?? '';
  }

  it('loads from / with the stacks and their current commit, the runs, and the time of its data', async () => {
    await page.goto(`${server.url}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    const stack = await textAt(`#stacks-body tr[data-stack="${STACK}"]`);
    assert.match(stack, new RegExp(`${APPLIED.slice(0, 12)}`));
    assert.match(stack, /Ready/);
    assert.match(stack, /Applied/);
    const runIds = await page.$$eval('#runs-body tr[data-id]', (rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    assert.deepEqual(runIds, ['r-preview', 'r-hostile', 'r-applied'], 'newest first');
    assert.match(await textAt('#runs-body tr[data-id="r-preview"]'), /previewed.*1 create, 1 update/);
    assert.match(await textAt('#freshness'), /^updated \d\d:\d\d:\d\d$/);
    assert.match(await textAt('#incidents-body'), /saturation \(0\.8\)/);
    assert.match(await textAt('#reviews-body'), /nothing waiting for review/);
    const audit = await page.$$eval('#audit-body tr[data-seq]', (rows) => rows.map((r) => r.textContent ?? ''));
    assert.equal(audit.length, 2);
    assert.match(audit[0]!, /^2.*commit.*homeostat.*scale-out.*bbbbbbbbbbbb committed to main/);
    assert.match(await textAt('#audit-verify'), /audit chain verified \(2 entries\)/);
    await screenshot(page, 'dashboard');
    assert.deepEqual(pageErrors, []);
  });

  it('shows a run’s diff like pulumi preview when the run is clicked, and keeps it across a reload', async () => {
    await page.goto(`${server.url}/dashboard`);
    await page.click('#runs-body tr[data-id="r-preview"]');
    const diff = await textAt('#run-detail pre.diff');
    assert.match(diff, /~ update {2}pulumi-nodejs:dynamic\/homeostat:SandboxService {2}checkout\n {4}~ capacity: 2 => 4\n/);
    assert.match(diff, /\+ create {2}pulumi-nodejs:dynamic\/homeostat:SandboxQueue {2}jobs\n {4}\+ visibilityTimeout: 30\n/);
    assert.doesNotMatch(diff, /homeostat-infra-sandbox/, 'unchanged resources are left out');
    assert.match(diff, /Resources:\n {4}\+ 1 to create\n {4}~ 1 to update\n {4}2 changes\. 1 unchanged/);
    assert.match(await textAt('#run-detail .violations'), /\[advisory\] homeostat@0\.1\.0 capacity-limit: capacity 4 is above the advised 3/);
    assert.equal(await page.getAttribute('#run-detail .op-update.level-1', 'class'), 'line op-update level-1');
    assert.equal(await page.getAttribute('#runs-body tr[data-id="r-preview"]', 'class'), 'selectable selected');
    assert.equal(new URL(page.url()).searchParams.get('run'), 'r-preview');

    await page.reload();
    assert.match(await textAt('#run-detail pre.diff'), /~ capacity: 2 => 4/);
    await screenshot(page, 'dashboard-run');
    assert.deepEqual(pageErrors, []);
  });

  it('updates live from the event stream: a timeline event brings the new run, with no polling while nothing happens', async () => {
    const api: string[] = [];
    page.on('request', (req) => {
      const path = new URL(req.url()).pathname;
      if (path.startsWith('/api/')) api.push(path);
    });
    await page.goto(`${server.url}/dashboard?run=r-preview`);
    await textAt('#run-detail pre.diff');
    await page.waitForSelector('#live [data-live="live"]', { timeout: 10_000 });
    // A mark on the drawn detail: it survives only if the detail is not redrawn.
    await page.$eval('#run-detail .run-detail', (el) => ((el as HTMLElement).dataset.probe = 'kept'));
    const before = await textAt('#freshness');

    // Five quiet seconds: the old page asked for its runs twice a second-pair; this one asks for nothing.
    api.length = 0;
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(api.join(', '), '', 'no API request while nothing happens');

    // The run is saved without a word (as a store write alone): the page does not see it, since it does not poll.
    const later = RunRecordSchema.parse(previewRun({ id: 'r-later', commit: 'e'.repeat(40), status: 'running', phase: 'previewing', timings: { enqueuedAt: '2026-11-29T00:20:00.000Z' } }));
    await server.store.save(later);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(await page.$('#runs-body tr[data-id="r-later"]'), null, 'without an event, no refresh');
    // The step goes on the timeline, as the deploy worker does: the page hears it and reads the runs again.
    await server.timeline.append(timelineEvent('preview', 'previewing e'.concat('e'.repeat(6)), { stack: STACK, commit: 'e'.repeat(40) }));
    await page.waitForSelector('#runs-body tr[data-id="r-later"]', { timeout: 8_000 });
    assert.match(await textAt('#timeline-body li[data-event="preview"]'), /preview \[infra\/\.\/sandbox@eeeeeee\] previewing/);
    assert.ok(!api.includes('/api/events/session'), 'the stream stayed open: no new session was asked for');
    assert.equal(await page.getAttribute('#runs-body tr[data-id="r-preview"]', 'class'), 'selectable selected', 'the selection is kept');
    assert.equal(await page.getAttribute('#run-detail .run-detail', 'data-probe'), 'kept');
    await waitFor('a newer freshness time', async () => (await page.textContent('#freshness')) !== before, 5_000);
    await screenshot(page, 'dashboard-live');
    assert.deepEqual(pageErrors, []);
  });

  it('prints what the records say as text, never as markup', async () => {
    await page.goto(`${server.url}/dashboard?run=r-hostile`);
    assert.match(await textAt('#run-detail .message'), /<img src=x onerror="window.__pwned=1">/);
    assert.equal(await page.$$eval('#run-detail img', (imgs) => imgs.length), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('charts an incident’s signal with its anomaly scores', async () => {
    await page.goto(`${server.url}/dashboard`);
    await page.click(`#incidents-body tr[data-id="${INCIDENT_ID}"]`);
    await page.waitForSelector('#incident-detail svg.chart', { timeout: 10_000 });
    const d = (await page.getAttribute('#incident-detail svg.chart path.sig-line', 'd')) ?? '';
    assert.equal(d.split(' ').length, CPU.length, 'one vertex per recent value');
    assert.equal(await page.$$eval('#incident-detail svg.chart circle.anomaly', (c) => c.length), 3, 'first, peak and last anomalous points');
    assert.equal(await page.$$eval('#incident-detail svg.chart line.threshold', (c) => c.length), 1);
    const box = await page.$eval('#incident-detail svg.chart', (svg) => svg.getBoundingClientRect().width);
    assert.ok(box > 100, `the chart is laid out (width ${box})`);
    assert.match(await textAt('#incident-detail figcaption'), /infra\/\.\/sandbox cpu/);
    assert.match(await textAt('#incident-detail .causes'), /saturation \(0\.8\): demand doubled/);
    // The moment of each action: a vertical line per remediation event, right of the peak.
    const markers = await page.$$eval('#incident-detail svg.chart line.marker', (ls) => ls.map((l) => [Number(l.getAttribute('x1')), l.textContent ?? '']));
    assert.deepEqual(markers.map(([, t]) => String(t).replace(/^\d\d:\d\d:\d\d /, '')), ['scale-out: committed — bbbbbbbbbbbb committed to main', 'scale-out: verifying — applied; watching cpu']);
    const dots = await page.$$eval('#incident-detail svg.chart circle.anomaly', (cs) => cs.map((c) => Number(c.getAttribute('cx'))));
    assert.ok(Number(markers[0]![0]) > Math.max(...dots), 'the actions come after the anomalies');
    assert.match(await textAt('#incident-detail .remediations'), /scale-out on infra\/\.\/sandbox: verifying \(commit bbbbbbbbbbbb\)/);
    // The detector's score as a line over the signal: one vertex per stored score, on the 0–1 scale.
    const score = (await page.getAttribute('#incident-detail svg.chart path.score-line', 'd')) ?? '';
    const ys = score.split(' ').map((v) => Number(v.slice(1).split(',')[1]));
    assert.equal(ys.length, SCORES.length);
    const top = Math.min(...ys);
    assert.equal(ys.indexOf(top), SCORES.indexOf(Math.max(...SCORES)), 'highest where the score peaked');
    const kinds = await page.$$eval('#incident-detail svg.chart line.marker', (ls) => ls.map((l) => l.getAttribute('data-action-kind')));
    assert.deepEqual(kinds, ['commit', 'apply']);
    assert.deepEqual(await page.$$eval('#incident-detail svg.chart text.marker-label', (ts) => ts.map((t) => t.textContent)), ['commit', 'apply']);
    await screenshot(page, 'dashboard-incident');
    assert.deepEqual(pageErrors, []);
  });

  it('rejects a review item as the principal of the token typed in, with the reason, and records it in the audit log', async () => {
    const review = await openReview(server.remediations, 'homeostat/scale-out-x', PROPOSED, APPLIED);
    await page.goto(`${server.url}/dashboard`);
    await page.fill('#api-token', TEST_TOKENS.bob!);
    await page.fill(`[data-reason-for="${review.id}"]`, 'wait for the sale to end');
    await page.click(`[data-review="${review.id}"] button.reject`);
    await page.waitForSelector(`[data-review="${review.id}"]`, { state: 'detached', timeout: 10_000 });
    const decided = await server.remediations.review(review.id);
    assert.deepEqual([decided?.status, decided?.decidedBy, decided?.reason], ['rejected', 'bob', 'wait for the sale to end']);
    await page.waitForSelector('#audit-body tr[data-seq="3"]', { timeout: 8_000 });
    assert.match(await textAt('#audit-body tr[data-seq="3"]'), /review-rejected.*bob.*rejected by bob: wait for the sale to end/);
    assert.deepEqual(pageErrors, []);
  });

  it('serves an incident’s series as JSON, and 404 for an unknown incident', async () => {
    const res = await fetch(`${server.url}/api/incidents/${encodeURIComponent(INCIDENT_ID)}/series`, { headers: as('viewer', false) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { signals: { stackKey: string; signalId: string; seriesId: string; points: { t: number; v: number }[]; anomalies: { t: number; score: number }[]; scores: { t: number; s: number }[] }[] };
    assert.equal(body.signals.length, 1);
    const [s] = body.signals;
    assert.deepEqual([s!.stackKey, s!.signalId, s!.seriesId], [STACK, 'cpu', 'sandbox/cpu']);
    assert.deepEqual(s!.points.map((p) => p.v), CPU);
    assert.deepEqual(s!.anomalies.map((a) => [a.t - T0, a.score]), [[6 * MIN, 0.9], [7 * MIN, 0.99], [8 * MIN, 0.9]]);
    assert.deepEqual(s!.scores.map((p) => [p.t - T0, p.s]), SCORES.map((score, k) => [k * MIN, score]), 'the stored scores, oldest first');
    assert.equal((await fetch(`${server.url}/api/incidents/${encodeURIComponent('infra/./sandbox@20200101T0000Z')}/series`, { headers: as('viewer', false) })).status, 404);
    const css = await fetch(`${server.url}/dashboard/app.css`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.match((await fetch(`${server.url}/dashboard`)).headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });
});

/** A commit on its own branch of the fixture's repository, pushed; returns its id. The clone goes back to main. */
async function pushBranch(fx: GitopsFixture, branch: string, capacity: string): Promise<string> {
  const cwd = fx.repo.workDir;
  const env = { GIT_AUTHOR_NAME: 'Homeostat', GIT_AUTHOR_EMAIL: 'homeostat@localhost', GIT_COMMITTER_NAME: 'Homeostat', GIT_COMMITTER_EMAIL: 'homeostat@localhost' };
  await git(['checkout', '-q', '-b', branch], { cwd });
  fx.setStackConfig('sandbox:capacity', capacity);
  await git(['commit', '-q', '-am', `scale-out: checkout to ${capacity}`], { cwd, env });
  await git(['push', '-q', 'origin', branch], { cwd });
  const commit = await git(['rev-parse', 'HEAD'], { cwd });
  await git(['checkout', '-q', 'main'], { cwd });
  return commit;
}

/**
 * A remediation waiting for a person, exactly as the remediation worker
 * leaves one (see `openReviewStep` in remediate/steps/open-review.ts): its record in state
 * `review` and an open review item, for a proposal on its own branch.
 */
async function openReview(store: RemediationStore, branch: string, proposalCommit: string, baseCommit: string): Promise<ReviewItem> {
  const id = remediationIdOf(INCIDENT_ID);
  const reviewId = `rv-${id.slice(3)}`;
  const now = new Date().toISOString();
  const reasons = ['confidence 0.60 is below the threshold 0.70'];
  const proposal = {
    kind: 'config-patch' as const, playbook: 'scale-out', incidentId: INCIDENT_ID, stackKey: STACK, title: 'Scale checkout out to 3',
    expectedEffect: [{ signalId: 'cpu', direction: 'down' as const, relative: 0.3, note: 'a third more capacity' }],
    confidence: 0.6, risk: 'medium' as const, explanation: 'CPU saturated at capacity 2', evidence: ['cpu 97 at capacity 2'],
    file: 'stacks/Pulumi.sandbox.yaml', changes: [{ key: 'sandbox:capacity', from: 2, to: 3 }],
  };
  await store.save(
    RemediationRecordSchema.parse({
      id, incidentId: INCIDENT_ID, stackKey: STACK, repoId: 'infra', state: 'review', createdAt: now, updatedAt: now, playbook: 'scale-out', proposal,
      rawConfidence: 0.6, confidence: 0.6, decision: { decision: 'review', reasons, dryRun: false }, mode: 'review', branch, proposalCommit, baseCommit, reviewId,
      events: [{ at: now, state: 'review', message: `waiting for a person: ${reasons[0]}` }],
    }),
  );
  const item = ReviewItemSchema.parse({
    id: reviewId, remediationId: id, status: 'open', createdAt: now, stackKey: STACK, repoId: 'infra', incidentId: INCIDENT_ID, playbook: 'scale-out',
    title: proposal.title, explanation: proposal.explanation, confidence: 0.6, risk: 'medium', branch, commit: proposalCommit, reasons,
  });
  await store.saveReview(item);
  return item;
}

describe('dashboard: approving a review item through the real service', function () {
  this.timeout(300_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let browser: Browser;
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    // The telemetry stage (which the remediation worker runs with) talks to moto; moto accepts any credentials.
    for (const [k, v] of Object.entries({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' })) {
      savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
    fx = await createGitopsFixture({
      telemetry: { enabled: true, endpoint: testServices().motoUrl, pollIntervalSeconds: 60, settleSeconds: 0 },
      remediation: { enabled: true },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
    await fx?.cleanup();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('merges the branch when a person approves it in the page, and takes it off the open list', async () => {
    service = await startService(fx.config, { engineEnv: { HOMEOSTAT_FLEET_URL: fx.fleet.url } });
    const page = await browser.newPage();
    const served = await page.goto(`${service.url}/dashboard`);
    assert.equal(served?.status(), 200, 'the dashboard is not wired into startService: pass `extra: createDashboardRoutes({ incidents })` to createHttpServer in service.ts');

    const base = await fx.repo.commitAndPush('initial stacks');
    const branch = 'homeostat/scale-out-dashboard';
    const proposal = await pushBranch(fx, branch, '3');
    const redis = createRedis(fx.config.redisUrl);
    const review = await openReview(createRemediationStore(redis, fx.prefix), branch, proposal, base).finally(() => redis.quit());

    await page.fill('#api-token', TEST_TOKENS.alice!);
    await page.waitForSelector(`[data-review="${review.id}"] button.approve`, { timeout: 10_000 });
    assert.match((await page.textContent(`[data-review="${review.id}"]`)) ?? '', /Scale checkout out to 3.*confidence 0\.6 · risk medium/s);
    // The service's own timeline, read as a second client would: the approval must reach it.
    const stream = await openStream(`${service.url}/api/events`, as('viewer', false));
    await stream.until('the ready event', () => stream.events.some((e) => e.event === 'ready'));
    await page.click(`[data-review="${review.id}"] button.approve`);
    await page.waitForSelector(`[data-review="${review.id}"]`, { state: 'detached', timeout: 10_000 });
    assert.match((await page.textContent('#reviews-body')) ?? '', /nothing waiting for review/);
    await stream.until('the decision', () => stream.events.some((e) => e.event === 'timeline' && /approved by alice/.test(e.data)));
    await stream.close();
    // And the page, live on the same stream, lists it (among the remediation worker's own decisions that follow it).
    const decisions = () => page.$$eval('#timeline-body li[data-event="decision"]', (lis) => lis.map((li) => li.textContent ?? ''));
    await waitFor('the approval on the page', async () => (await decisions()).some((t) => /Scale checkout out to 3: approved by alice \(approved\)/.test(t)), 10_000).catch(async (err: Error) => {
      throw new Error(`${err.message}; the page's decisions: ${JSON.stringify(await decisions())}`);
    });

    const open = (await (await fetch(`${service.url}/api/reviews?status=open`, { headers: as('viewer', false) })).json()) as { reviews: ReviewItem[] };
    assert.deepEqual(open.reviews.map((r) => r.id), []);
    // The remediation worker merges the approved branch into the deploy branch.
    const decided = await waitFor('the merge of the approved branch', async () => {
      const { review: r } = (await (await fetch(`${service.url}/api/reviews/${encodeURIComponent(review.id)}`, { headers: as('viewer', false) })).json()) as { review: ReviewItem };
      return r.mergedCommit ? r : undefined;
    }, 60_000, 250);
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decidedBy, 'alice');
    const main = (await git(['rev-parse', 'refs/heads/main'], { cwd: fx.repo.remote })).trim();
    assert.equal(decided.mergedCommit, main, 'the deploy branch is at the merge');
    await git(['merge-base', '--is-ancestor', proposal, main], { cwd: fx.repo.remote });
    assert.match(await git(['show', '-s', '--format=%B', main], { cwd: fx.repo.remote }), /Homeostat-Approved-By: alice/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('homeostat.token')), TEST_TOKENS.alice, 'the token is kept for the tab');
    assert.equal(await page.evaluate(() => localStorage.length + document.cookie.length), 0, 'and nowhere else: no local storage, no cookie');
    await page.close();
  });
});
