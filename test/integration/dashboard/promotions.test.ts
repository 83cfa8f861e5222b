import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { advancePromotion } from '../../../orchestrator/promote/advance-promotion.ts';
import { PromotionSchema, type Promotion } from '../../../orchestrator/promote/promotion.ts';
import { initialStatus } from '../../../orchestrator/records/stack-status.ts';
import { timelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { TEST_TOKENS } from '../../support/test-tokens.ts';
import { waitFor } from '../../support/wait.ts';
import { launchChromium, screenshot, startDashboardServer, type DashboardServer } from './dashboard-server.ts';

const RUNNING = '1'.repeat(40);
const HALTED = '2'.repeat(40);
const PAUSED = '3'.repeat(40);
const S = 'infra/web/staging';
const C = 'infra/web/prod-canary';
const E = 'infra/web/prod-east';
const W = 'infra/web/prod-west';
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const SOAK = 60_000;

/**
 * Three promotions as the promotion runner leaves them: one whose canary is
 * soaking (staging passed, one prod stack applied and one not yet), one
 * halted by an incident (its reason and a stack name are hostile text), and
 * one an operator paused while its canary soaked.
 */
function promotions(now: number): Promotion[] {
  const base = { repo: 'infra', soakMs: SOAK, resumes: [] };
  const staging = { name: 'staging', state: 'passed' as const, stacks: [S], baseline: [], passedAt: now - 90_000, note: 'healthy for 60 s after the apply', applies: { [S]: 'applied' as const } };
  return [
    PromotionSchema.parse({
      ...base, commit: RUNNING, createdAt: now - 120_000, updatedAt: now - 20_000, state: 'running', queuedAt: now - 119_000,
      waves: [staging, { name: 'prod-canary', state: 'soaking', stacks: [C], baseline: [], baselineAt: now - 30_000, soakStartedAt: now - 20_000, note: 'soaking for 60 s', applies: { [C]: 'applied' } }, { name: 'prod', state: 'waiting', stacks: [E, W], baseline: [] }],
    }),
    PromotionSchema.parse({
      ...base, commit: HALTED, createdAt: now - 600_000, updatedAt: now - 300_000, state: 'halted',
      halt: { wave: 'prod-canary', at: now - 300_000, reason: `2222222 made wave prod-canary unhealthy: ${HOSTILE}`, incidentId: 'infra/web/prod-canary@20261201T1200Z', stackKey: C },
      waves: [staging, { name: 'prod-canary', state: 'halted', stacks: [C, `infra/web/<b>canary-2</b>`], baseline: [], note: `2222222 made wave prod-canary unhealthy: ${HOSTILE}`, applies: { [C]: 'applied', 'infra/web/<b>canary-2</b>': 'failed' } }, { name: 'prod', state: 'waiting', stacks: [E], baseline: [] }],
    }),
    PromotionSchema.parse({
      ...base, commit: PAUSED, createdAt: now - 900_000, updatedAt: now - 800_000, state: 'paused', paused: { by: 'sam', at: now - 800_000 },
      waves: [staging, { name: 'prod-canary', state: 'soaking', stacks: [C], baseline: [], soakStartedAt: now - 810_000, note: 'soaking for 60 s', applies: { [C]: 'applied' } }, { name: 'prod', state: 'waiting', stacks: [E], baseline: [] }],
    }),
  ];
}

describe('dashboard: where each change stands in its promotion waves, and the stack graph, in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: DashboardServer;
  let page: Page;
  let pageErrors: string[];
  let api: string[];

  before(async () => {
    browser = await launchChromium();
    server = await startDashboardServer();
    const now = Date.now();
    // Oldest first: the store lists newest first by when each was opened.
    for (const p of promotions(now).reverse()) assert.ok(await server.promotions.open(p));
    // The stack graph's input: each stack's links as its last apply recorded them (prod-west has none yet).
    const at = new Date(now).toISOString();
    const links: Record<string, { project: string; references: string[]; dependsOn: string[] }> = {
      [S]: { project: 'web', references: [], dependsOn: [] },
      [C]: { project: 'web', references: ['staging'], dependsOn: [] },
      [E]: { project: 'web', references: ['prod-canary'], dependsOn: ['web/<i>ghost</i>'] },
    };
    for (const key of [S, C, E, W]) await server.store.saveStatus({ ...initialStatus(key, at), ...(links[key] ? { links: links[key] } : {}) });
  });
  after(async () => {
    await server?.close();
    await browser?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    pageErrors = [];
    api = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (req) => {
      const path = new URL(req.url()).pathname;
      if (path.startsWith('/api/')) api.push(`${req.method()} ${path}`);
    });
  });
  afterEach(async () => {
    await page?.close();
  });

  async function openAs(name: string): Promise<void> {
    await page.addInitScript((token) => sessionStorage.setItem('homeostat.token', token), TEST_TOKENS[name]!);
    await page.goto(`${server.url}/dashboard#promotions`);
    await page.waitForSelector(`[data-promotion="infra:${RUNNING}"]`, { timeout: 10_000 });
  }
  const card = (commit: string) => `#promotions-body [data-promotion="infra:${commit}"]`;
  const waveState = (commit: string, wave: string) => page.getAttribute(`${card(commit)} [data-wave="${wave}"] > [data-state]`, 'data-state');
  const text = async (selector: string) => (await page.textContent(selector)) ?? '';

  it('shows a viewer each change, newest first, wave by wave, with the soak counting down and which stacks applied', async () => {
    await openAs('viewer');
    const order = await page.$$eval('#promotions-body [data-promotion]', (els) => els.map((e) => (e as HTMLElement).dataset.promotion));
    assert.deepEqual(order, [`infra:${RUNNING}`, `infra:${HALTED}`, `infra:${PAUSED}`]);
    const waves = await page.$$eval(`${card(RUNNING)} [data-wave]`, (els) => els.map((e) => `${(e as HTMLElement).dataset.wave}:${e.querySelector('[data-state]')?.getAttribute('data-state')}`));
    assert.deepEqual(waves, ['staging:passed', 'prod-canary:soaking', 'prod:waiting']);
    assert.match(await text(`${card(RUNNING)} h3`), /infra @ 111111111111 running/);
    assert.equal(await page.getAttribute(`${card(RUNNING)} [data-stack="${C}"]`, 'data-apply'), 'applied');
    assert.match(await text(`${card(RUNNING)} [data-wave="prod"]`), /waits for the waves before it.*prod-east its turn has not come.*prod-west its turn has not come/);

    // The soak's time left moves on the page with no call to the service.
    const left = async () => Number(/(\d+) s left/.exec(await text(`${card(RUNNING)} .soak-left`))?.[1]);
    const first = await left();
    assert.ok(first > 30 && first <= 40, `about 40 s of the 60 s soak left (${first})`);
    api.length = 0;
    await waitFor('the time left to tick down', async () => (await left()) <= first - 2, 5_000, 200);
    assert.deepEqual(api, [], 'the countdown asks the service nothing');

    // Halted: the reason and the incident, each stack's apply; the hostile text stays text.
    assert.match(await text(`${card(HALTED)} .halt`), /halted at wave prod-canary \(\d\d:\d\d:\d\d\): 2222222 made wave prod-canary unhealthy: <img src=x onerror="window.__pwned=1"> · incident infra\/web\/prod-canary@20261201T1200Z/);
    assert.equal(await page.getAttribute(`${card(HALTED)} .halt a`, 'href'), `/dashboard?incident=${encodeURIComponent('infra/web/prod-canary@20261201T1200Z')}#incidents`);
    assert.equal(await waveState(HALTED, 'prod-canary'), 'halted');
    assert.match(await text(`${card(HALTED)} [data-stack="infra/web/<b>canary-2</b>"]`), /<b>canary-2<\/b> failed to apply/);
    assert.equal(await page.$$eval('#promotions-body img, #promotions-body b', (els) => els.length), 0, 'no markup from the records');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);

    // Paused: the held wave shows as paused, by whom; no time left while it is held.
    assert.match(await text(`${card(PAUSED)} .paused-by`), /^paused by sam at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(await waveState(PAUSED, 'prod-canary'), 'paused');
    assert.match(await text(`${card(PAUSED)} [data-wave="prod-canary"]`), /held by sam/);
    assert.equal(await page.$(`${card(PAUSED)} .soak-left`), null);
    await screenshot(page, 'dashboard-promotions');
    assert.deepEqual(pageErrors, []);
  });

  it('moves a wave on in the open page when the runner’s step reaches the timeline', async () => {
    await openAs('viewer');
    await page.waitForSelector('#live [data-live="live"]', { timeout: 10_000 });
    // The canary's soak is over and nothing opened on it: the real rules pass it, as the tick would.
    const moved = await server.promotions.update('infra', RUNNING, (p) => advancePromotion(p, { applies: { [S]: 'applied', [C]: 'applied', [E]: 'applied' }, openIncidents: [] }, (p.waves[1]!.soakStartedAt ?? 0) + SOAK).promotion);
    assert.equal(moved?.waves.map((w) => w.state).join(' '), 'passed passed applying');
    await server.timeline.append(timelineEvent('apply', 'promotion of 1111111: wave prod-canary passed', { commit: RUNNING, outcome: 'wave-passed', details: { wave: 'prod-canary' } }));
    await waitFor('the canary passed on the page', async () => (await waveState(RUNNING, 'prod-canary')) === 'passed', 8_000, 100);
    assert.equal(await waveState(RUNNING, 'prod'), 'applying');
    assert.equal(await page.getAttribute(`${card(RUNNING)} [data-stack="${E}"]`, 'data-apply'), 'applied');
    assert.equal(await page.getAttribute(`${card(RUNNING)} [data-stack="${W}"]`, 'data-apply'), 'pending');
    assert.deepEqual(pageErrors, []);
  });

  it('shows the stack graph: the order stacks apply in, each dependency, names that resolve to no stack, and stacks not known yet', async () => {
    await openAs('viewer');
    await page.waitForSelector('#graph-body [data-layer]', { timeout: 10_000 });
    const layers = await page.$$eval('#graph-body [data-layer]', (els) => els.map((e) => e.textContent));
    assert.deepEqual(layers, [`${W}, ${S}`, C, E], 'sorted within a layer');
    const edges = await page.$$eval('#graph-body tr[data-edge]', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent).join(' | ')));
    assert.deepEqual(edges.sort(), [`${C} | ${S} | StackReference | staging`, `${E} | ${C} | StackReference | prod-canary`]);
    assert.match(await text('#graph-body .graph-unresolved'), /unresolved: infra\/web\/prod-east declares web\/<i>ghost<\/i>: /);
    assert.match(await text('#graph-body .graph-unknown'), /not known yet \(no apply recorded their links\): infra\/web\/prod-west/);
    assert.equal(await page.$$eval('#graph-body i', (els) => els.length), 0, 'no markup from a name');
    assert.equal(await page.getAttribute(`#graph-body tr[data-edge="${E} -> ${C}"] a[data-stack="${C}"]`, 'href'), `/dashboard/stack?key=${encodeURIComponent(C)}`);
    await screenshot(page, 'dashboard-graph');
    assert.deepEqual(pageErrors, []);
  });

  it('refuses a viewer’s pause, and pauses as the operator whose token is typed in, audited under that name and live on another viewer’s page', async () => {
    // Another person's page, open and live, which nobody touches.
    const watcher = await browser.newPage();
    await watcher.addInitScript((token) => sessionStorage.setItem('homeostat.token', token), TEST_TOKENS.viewer!);
    await watcher.goto(`${server.url}/dashboard#promotions`);
    await watcher.waitForSelector(`${card(RUNNING)} button.promotion-pause`, { timeout: 10_000 });
    await watcher.waitForSelector('#live [data-live="live"]', { timeout: 10_000 });
    await openAs('viewer');
    await page.click(`${card(RUNNING)} button.promotion-pause`);
    await waitFor('the refusal', async () => /pause failed: viewer has the role viewer; this needs operator/.test(await text(`${card(RUNNING)} .action-error`)), 8_000, 100);
    assert.equal((await server.promotions.get('infra', RUNNING))?.state, 'running');

    await page.fill('#api-token', TEST_TOKENS.sam!);
    await page.click(`${card(RUNNING)} button.promotion-pause`);
    await waitFor('the pause on the page', async () => (await page.$(`${card(RUNNING)} .paused-by`)) !== null, 8_000, 100);
    assert.match(await text(`${card(RUNNING)} .paused-by`), /^paused by sam at /);
    assert.equal(await waveState(RUNNING, 'prod'), 'paused');
    const stored = await server.promotions.get('infra', RUNNING);
    assert.deepEqual([stored?.state, stored?.paused?.by], ['paused', 'sam']);
    const entries = await server.audit.list();
    const audited = entries.find((e) => e.type === 'control-changed' && e.commit === RUNNING);
    assert.equal(audited?.actor, 'sam');
    assert.match(audited?.summary ?? '', /promotion of 1111111 in infra paused by sam/);
    assert.ok(await page.$(`${card(RUNNING)} button.promotion-resume`), 'and now offers to resume it');
    assert.ok(api.includes(`POST /api/promotions/infra/${RUNNING}/pause`));
    // The pause went on the timeline: the other page redraws it with no reload.
    await watcher.waitForSelector(`${card(RUNNING)} .paused-by`, { timeout: 8_000 });
    assert.match((await watcher.textContent(`${card(RUNNING)} .paused-by`)) ?? '', /^paused by sam at /);
    assert.match((await watcher.textContent('#timeline-body li[data-event="decision"]')) ?? '', /promotion of 1111111 in infra paused by sam \(paused\)/);
    await watcher.close();
    assert.deepEqual(pageErrors, []);
  });
});
