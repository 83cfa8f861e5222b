import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Browser } from 'playwright-core';
import { timelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { compareIds } from '../../../orchestrator/timeline/timeline-log.ts';
import { as, TEST_TOKENS } from '../../support/test-tokens.ts';
import { launchChromium, screenshot, startDashboardServer, type DashboardServer } from './dashboard-server.ts';
import { APPLIED, INCIDENT_ID, seed, STACK } from './dashboard-seed.ts';
import { openStream } from './sse-client.ts';

/** The stream's cookie from a session answer, as a Cookie header value. */
function cookieOf(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0]!;
}

describe('dashboard: the live event stream over HTTP', function () {
  this.timeout(60_000);
  let server: DashboardServer;
  beforeEach(async () => {
    server = await startDashboardServer();
  });
  afterEach(async () => {
    await server?.close();
  });

  it('answers 401 to a caller without credentials, with a wrong token or an unknown cookie, and streams to a viewer', async () => {
    const refused: Record<string, string>[] = [{}, { authorization: `Bearer ${TEST_TOKENS.viewer}x` }, { cookie: 'homeostat_stream=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, { cookie: 'homeostat_stream=../../etc' }];
    for (const headers of refused) {
      const res = await fetch(`${server.url}/api/events`, { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(((await res.json()) as { error: string }).error, /authentication required|wrong API token/);
    }
    assert.equal((await fetch(`${server.url}/api/events/session`)).status, 401, 'no session without a token');
    const stream = await openStream(`${server.url}/api/events`, as('viewer', false));
    assert.equal(stream.res.status, 200);
    assert.equal(stream.res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    await stream.until('the ready event', () => stream.events.some((e) => e.event === 'ready'));
    await stream.close();
  });

  it('trades a token for an HttpOnly, SameSite=Strict cookie scoped to the stream, which opens it and nothing else', async () => {
    const session = await fetch(`${server.url}/api/events/session`, { headers: as('viewer', false) });
    assert.equal(session.status, 200);
    const set = session.headers.get('set-cookie') ?? '';
    assert.match(set, /^homeostat_stream=[A-Za-z0-9_-]{43}; Path=\/api\/events; Max-Age=600; HttpOnly; SameSite=Strict$/);
    assert.ok(!set.includes(TEST_TOKENS.viewer!), 'the cookie is not the token');
    const cookie = cookieOf(session);
    const stream = await openStream(`${server.url}/api/events`, { cookie });
    assert.equal(stream.res.status, 200);
    await stream.close();
    // The cookie opens the stream only: every other route still wants the bearer token.
    assert.equal((await fetch(`${server.url}/api/stacks`, { headers: { cookie } })).status, 401);
    assert.equal((await fetch(`${server.url}/api/events/session`, { headers: { cookie } })).status, 401);
    // Only its hash is in Redis: the id itself is nowhere to be found there.
    const keys = await server.redis.keys(`${server.prefix}:stream-session:*`);
    assert.equal(keys.length, 1);
    assert.ok(!keys[0]!.includes(cookie.split('=')[1]!));
    assert.ok(!(await server.redis.get(keys[0]!))!.includes(cookie.split('=')[1]!));
  });

  it('sends timeline events as they happen, with heartbeats, and replays what a reader missed after a reconnect with Last-Event-ID', async () => {
    const first = await openStream(`${server.url}/api/events`, as('viewer', false));
    await first.until('the ready event', () => first.events.some((e) => e.event === 'ready'));
    await server.timeline.append(timelineEvent('push', 'a: pushed', { stack: STACK }));
    await first.until('event a', () => first.events.some((e) => e.event === 'timeline'));
    const a = first.events.find((e) => e.event === 'timeline')!;
    assert.equal((JSON.parse(a.data) as { message: string }).message, 'a: pushed');
    await first.until('a heartbeat', () => first.comments.includes('heartbeat'), 5_000);
    await first.close();

    // While nobody listens, two more steps happen.
    await server.timeline.append(timelineEvent('preview', 'b: previewed', { stack: STACK }));
    await server.timeline.append(timelineEvent('apply', 'c: applied', { stack: STACK, commit: APPLIED }));

    const again = await openStream(`${server.url}/api/events`, { ...as('viewer', false), 'last-event-id': a.id! });
    await again.until('b and c', () => again.events.filter((e) => e.event === 'timeline').length >= 2);
    await server.timeline.append(timelineEvent('verify', 'd: verified', { incident: INCIDENT_ID }));
    await again.until('d, live', () => again.events.filter((e) => e.event === 'timeline').length >= 3);
    const seen = again.events.filter((e) => e.event === 'timeline');
    assert.deepEqual(seen.map((e) => (JSON.parse(e.data) as { message: string }).message), ['b: previewed', 'c: applied', 'd: verified'], 'each once, in order, none before the one it had');
    const ids = seen.map((e) => e.id!);
    assert.ok(compareIds(a.id!, ids[0]!) < 0 && compareIds(ids[0]!, ids[1]!) < 0 && compareIds(ids[1]!, ids[2]!) < 0, 'ids increase');
    await again.close();

    // The page's own way back after its cookie expired: a new stream `after` the last id it saw.
    const after = await openStream(`${server.url}/api/events?after=${encodeURIComponent(ids[1]!)}`, as('viewer', false));
    await after.until('d', () => after.events.some((e) => e.event === 'timeline'));
    assert.deepEqual(after.events.filter((e) => e.event === 'timeline').map((e) => (JSON.parse(e.data) as { message: string }).message), ['d: verified']);
    await after.close();
    assert.equal((await fetch(`${server.url}/api/events`, { headers: { ...as('viewer', false), 'last-event-id': 'now' } })).status, 400);
  });

  it('tells a reader whose missed events were trimmed away to reload everything (reset)', async () => {
    const ids: string[] = [];
    for (const m of ['1', '2', '3']) ids.push((await server.timeline.append(timelineEvent('push', m)))!);
    await server.redis.xtrim(`${server.prefix}:timeline`, 'MAXLEN', 1);
    const stream = await openStream(`${server.url}/api/events`, { ...as('viewer', false), 'last-event-id': ids[0]! });
    await stream.until('a reset', () => stream.events.some((e) => e.event === 'reset'));
    assert.equal(stream.events.find((e) => e.event === 'reset')!.id, ids[2], 'and resumes from the newest');
    await stream.close();
  });

  it('holds a reader that takes nothing to what its socket buffers, cuts it after four heartbeats, and lets it resume from its last id', async () => {
    // A reader that connects and then reads nothing at all.
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_TOKENS.viewer}\r\nAccept: text/event-stream\r\n\r\n`);
    const first = (await once(socket, 'data'))[0] as Buffer;
    assert.match(first.toString(), /^HTTP\/1\.1 200/);
    socket.pause();
    // 40 MB of events: more than the loopback socket buffers hold, so the server's writes back up.
    const message = 'x'.repeat(20_000);
    for (let k = 0; k < 2000; k += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => server.timeline.append(timelineEvent('apply', `${k + j} ${message}`))));
    }
    // Four heartbeats (a second each here) of taking nothing, and some margin.
    await new Promise((r) => setTimeout(r, 6_000));
    // Now it reads: it gets what the sockets held, then the end, well short of all 40 MB.
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.resume();
    await Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error(`the stalled reader was not cut (${received} bytes read)`)), 15_000))]);
    assert.ok(received < 30_000_000, `cut after ${received} bytes, not streamed all 40 MB`);
    socket.destroy();
    // Nothing was lost for it: from the first event's id, a new stream has every one, in order.
    const all = await server.redis.xrange(`${server.prefix}:timeline`, '-', '+', 'COUNT', 1);
    const resumed = await openStream(`${server.url}/api/events`, { ...as('viewer', false), 'last-event-id': all[0]![0] });
    await resumed.until('the other 1999 events', () => resumed.events.filter((e) => e.event === 'timeline').length >= 1999, 30_000);
    const numbers = resumed.events.filter((e) => e.event === 'timeline').map((e) => Number((JSON.parse(e.data) as { message: string }).message.split(' ')[0]));
    assert.equal(numbers.length, 1999);
    assert.equal(new Set(numbers).size, 1999);
    await resumed.close();
  });

  it('ends open streams when the service stops, without waiting on them', async () => {
    const stream = await openStream(`${server.url}/api/events`, as('viewer', false));
    await stream.until('the ready event', () => stream.events.some((e) => e.event === 'ready'));
    const started = Date.now();
    await server.close();
    const took = Date.now() - started;
    assert.ok(took < 3_000, `closed in ${took} ms`);
    await stream.close();
  });
});

describe('dashboard: the stack page in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: DashboardServer;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    server = await startDashboardServer();
    await seed(server);
  });
  afterEach(async () => {
    await server?.close();
  });

  it('shows the stack’s status, its recent runs and incidents, and "none known" for its dependency links', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.addInitScript((token) => sessionStorage.setItem('homeostat.token', token), TEST_TOKENS.viewer!);
    await page.goto(`${server.url}/dashboard`);
    // From the main page's stacks table, by the stack's link.
    await page.click(`#stacks-body tr[data-stack="${STACK}"] a.stack-link`);
    await page.waitForURL(/\/dashboard\/stack\?key=/);
    assert.equal(new URL(page.url()).searchParams.get('key'), STACK);
    await page.waitForSelector(`#stack-status tr[data-stack="${STACK}"]`, { timeout: 10_000 });
    assert.match((await page.textContent('#stack-name')) ?? '', /^infra\/\.\/sandbox$/);
    assert.match((await page.textContent('#stack-status')) ?? '', /Ready/);
    await page.waitForSelector('#stack-runs tr[data-id]');
    assert.deepEqual(await page.$$eval('#stack-runs tr[data-id]', (rows) => rows.map((r) => (r as HTMLElement).dataset.id)), ['r-preview', 'r-hostile', 'r-applied']);
    await page.waitForSelector(`#stack-incidents tr[data-id="${INCIDENT_ID}"]`);
    assert.match((await page.textContent('#stack-incidents')) ?? '', /saturation \(0\.8\)/);
    await page.waitForSelector('#stack-links .none-known');
    assert.match((await page.textContent('#stack-links')) ?? '', /^none known yet: links are recorded by the stack's next apply/);
    await page.waitForSelector('#live [data-live="live"]', { timeout: 10_000 });
    await screenshot(page, 'stack-page');

    // Live here too: a run of this stack appears when its step reaches the timeline.
    const { RunRecordSchema } = await import('../../../orchestrator/records/run-record.ts');
    const { previewRun } = await import('../../support/run-records.ts');
    await server.store.save(RunRecordSchema.parse(previewRun({ id: 'r-stack-later', commit: 'f'.repeat(40), status: 'running', phase: 'previewing', timings: { enqueuedAt: '2026-11-29T00:30:00.000Z' } })));
    await server.timeline.append(timelineEvent('preview', 'previewing', { stack: STACK, commit: 'f'.repeat(40) }));
    await page.waitForSelector('#stack-runs tr[data-id="r-stack-later"]', { timeout: 8_000 });

    // A run opens on the main page.
    await page.click('#stack-runs tr[data-id="r-preview"]');
    await page.waitForURL(/\/dashboard\?run=r-preview/);
    await page.waitForSelector('#run-detail pre.diff');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('answers an unknown stack’s links with 404, and a viewer without a token with 401 on the stream, in the page too', async () => {
    const res = await fetch(`${server.url}/api/stacks/${encodeURIComponent('infra/./nope')}/links`, { headers: as('viewer', false) });
    assert.equal(res.status, 404);
    const page = await browser.newPage();
    await page.goto(`${server.url}/dashboard/stack?key=${encodeURIComponent(STACK)}`);
    const status = await page.evaluate(async () => (await fetch('/api/events')).status);
    assert.equal(status, 401);
    // With no token the page cannot open the stream; it says why, and falls back to polling after three tries.
    await page.waitForSelector('#live [data-live="polling"]', { timeout: 15_000 });
    assert.match((await page.textContent('#live')) ?? '', /polling every 2 s \(the event stream's session was refused: authentication required/);
    assert.match((await page.textContent('#stack-status')) ?? '', /enter an API token above/);
    await page.close();
  });
});
