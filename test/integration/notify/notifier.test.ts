import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { NotificationsConfig, NotifyTarget } from '../../../orchestrator/config/notify-config.ts';
import { Secret } from '../../../orchestrator/config/secret.ts';
import { SIGNATURE_HEADER, startNotifier, TIMESTAMP_HEADER, verifySignature, type Notifier } from '../../../orchestrator/notify/notify-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { timelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';

const KEY = 'hmac-key-for-the-receiver-0f3c';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback receiver that answers each request with the next of `answers` (then 200), and keeps what it got. */
async function receiver(answers: (number | 'hang')[] = []): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const queue = [...answers];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body });
      const answer = queue.shift() ?? 200;
      if (answer === 'hang') return; // never answers
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/s3cr3t-path-token`,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function config(targets: NotifyTarget[], overrides: Partial<NotificationsConfig> = {}): NotificationsConfig {
  return { targets, attempts: 3, backoffSeconds: 0.05, timeoutSeconds: 1, dashboardUrl: 'https://homeostat.example/dashboard', ...overrides };
}

const webhook = (id: string, url: string, extra: Partial<NotifyTarget> = {}): NotifyTarget => ({ id, kind: 'webhook', url: new Secret(url), secret: new Secret(KEY), ...extra });

const OPENED = () => timelineEvent('incident', 'opened infra/./prod@1: saturation (0.80)', { stack: 'prod', incident: 'infra/./prod@1', outcome: 'opened' });

describe('notifications: queued from the timeline, sent to real HTTP receivers (real Redis)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;
  const open: { close(): Promise<void> }[] = [];
  let errors: string[];

  beforeEach(() => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('notify');
    errors = [];
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  function notifier(cfg: NotificationsConfig, deliver = true): Notifier {
    const n = startNotifier({ connection: redis, prefix, config: cfg, deliver, onError: (m) => errors.push(m) });
    open.push(n);
    return n;
  }

  it('a webhook gets a CloudEvent signed with its key, and the signature holds only for that body and key', async () => {
    const r = await receiver();
    open.push(r);
    const n = notifier(config([webhook('pager', r.url)]));
    n.sink(OPENED());
    await waitFor('the event', async () => r.got[0], 10_000, 50);
    const [got] = r.got;
    assert.equal(got!.headers['content-type'], 'application/cloudevents+json');
    const event = JSON.parse(got!.body) as { specversion: string; type: string; subject: string; data: { kind: string; incident: string } };
    assert.equal(event.specversion, '1.0');
    assert.equal(event.type, 'dev.homeostat.incident.opened');
    assert.equal(event.subject, 'prod');
    assert.equal(event.data.incident, 'infra/./prod@1');
    const headers = { timestamp: got!.headers[TIMESTAMP_HEADER] as string, signature: got!.headers[SIGNATURE_HEADER] as string };
    assert.ok(verifySignature(KEY, headers, got!.body), 'the receiver can check it');
    assert.ok(!verifySignature('another-key', headers, got!.body), 'not with another key');
    assert.ok(!verifySignature(KEY, headers, got!.body.replace('prod', 'dev')), 'not for another body');
    assert.ok(!verifySignature(KEY, headers, got!.body, Date.now() + 3_600_000), 'not an hour later (a replay)');
  });

  it('a Slack target gets message blocks with a link to the incident', async () => {
    const r = await receiver();
    open.push(r);
    const n = notifier(config([{ id: 'ops', kind: 'slack', url: new Secret(r.url) }]));
    n.sink(OPENED());
    await waitFor('the message', async () => r.got[0], 10_000, 50);
    const message = JSON.parse(r.got[0]!.body) as { text: string; blocks: { type: string; elements?: { url?: string }[] }[] };
    assert.equal(message.text, 'Incident opened: prod: opened infra/./prod@1: saturation (0.80)');
    assert.equal(message.blocks.at(-1)?.elements?.[0]?.url, 'https://homeostat.example/dashboard?incident=infra%2F.%2Fprod%401');
  });

  it('tries again with backoff when the receiver is down or busy, sending the same id each time', async () => {
    const r = await receiver([503, 500]);
    open.push(r);
    const n = notifier(config([webhook('pager', r.url)]));
    n.sink(OPENED());
    await waitFor('the third try', async () => r.got[2], 10_000, 50);
    const ids = r.got.map((g) => (JSON.parse(g.body) as { id: string }).id);
    assert.equal(new Set(ids).size, 1, `one id: ${ids.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(r.got.length, 3, 'delivered on the third try, and not again');
    assert.deepEqual(await n.deadLetters(), []);
  });

  it('lists what failed every try in the dead-letter list, naming the target and the error but never its address', async () => {
    const refusing = await receiver([400]);
    const down = await receiver();
    open.push(refusing);
    await down.close(); // nothing listens there any more
    const n = notifier(config([webhook('refusing', refusing.url), webhook('down', down.url)], { attempts: 2 }));
    n.sink(OPENED());
    const dead = await waitFor('two dead letters', async () => {
      const d = await n.deadLetters();
      return d.length === 2 ? d : undefined;
    }, 15_000, 100);
    const byTarget = Object.fromEntries(dead.map((d) => [d.target, d]));
    assert.equal(byTarget.refusing?.error, 'refusing: the receiver answered HTTP 400');
    assert.equal(byTarget.refusing?.attempts, 1, 'a 400 will not get better: no second try');
    assert.match(byTarget.down?.error ?? '', /^down: could not reach the receiver \(ECONNREFUSED\)$/);
    assert.equal(byTarget.down?.attempts, 2);
    assert.equal(byTarget.down?.kind, 'incident.opened');
    const text = JSON.stringify(dead) + errors.join('\n');
    assert.ok(!text.includes('s3cr3t-path-token') && !text.includes('127.0.0.1'), text);
    assert.deepEqual(errors.sort(), ['notification incident.opened to down failed for good: down: could not reach the receiver (ECONNREFUSED)', 'notification incident.opened to refusing failed for good: refusing: the receiver answered HTTP 400']);
  });

  it('never holds up the loop: a receiver that does not answer times out, and the other targets get theirs meanwhile', async () => {
    const slow = await receiver(['hang', 'hang', 'hang']);
    const fine = await receiver();
    open.push(slow, fine);
    const n = notifier(config([webhook('slow', slow.url), webhook('fine', fine.url)], { attempts: 1, timeoutSeconds: 0.5 }));
    const t = Date.now();
    n.sink(OPENED());
    assert.ok(Date.now() - t < 50, 'the sink returns at once');
    await waitFor('the fine target', async () => fine.got[0], 10_000, 50);
    const dead = await waitFor('the slow one to give up', async () => (await n.deadLetters())[0], 10_000, 100);
    assert.equal(dead.error, 'slow: no answer within 0.5 s');
  });

  it('sends each target the kinds and stacks it asked for, and only a worker process sends', async () => {
    const prod = await receiver();
    const all = await receiver();
    open.push(prod, all);
    const cfg = config([webhook('prod', prod.url, { stacks: ['prod-*'], events: ['incident.opened'] }), webhook('all', all.url)]);
    const apiOnly = notifier(cfg, false);
    apiOnly.sink(timelineEvent('incident', 'opened a', { stack: 'prod-eu', outcome: 'opened' }));
    apiOnly.sink(timelineEvent('incident', 'opened b', { stack: 'staging', outcome: 'opened' }));
    apiOnly.sink(timelineEvent('drift', 'drifted c', { stack: 'prod-eu', outcome: 'report' }));
    apiOnly.sink(timelineEvent('anomaly', 'not news', { stack: 'prod-eu' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(prod.got.length + all.got.length, 0, 'queued, not sent, by a process without workers');
    notifier(cfg, true);
    await waitFor('three messages to all', async () => all.got.length === 3 || undefined, 10_000, 50);
    const subjects = (r: { got: Received[] }) => r.got.map((g) => (JSON.parse(g.body) as { data: { message: string } }).data.message).sort();
    assert.deepEqual(subjects(prod), ['opened a']);
    assert.deepEqual(subjects(all), ['drifted c', 'opened a', 'opened b']);
  });
});
