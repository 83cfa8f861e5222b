/**
 * Security bench: the HTTP API's routes, taken from Fastify itself, called
 * as an attacker would, and webhook receivers fuzzed per forge.
 *
 * 1. Routes: every registered route is listed by Fastify's onRoute hook. Each
 *    mutating route that needs a role is called without a token (with a
 *    JSON body, the shape that would pass otherwise); it must answer 401,
 *    and runs, controls, reviews, unlocks and the audit log must be as before.
 * 2. Fuzz: seeded deliveries to the GitHub, GitLab and Gitea receivers (10,000
 *    each by default): valid pushes to watched repositories, signed with the
 *    right secret, then broken in their authenticity (body changed after
 *    signing, signature removed, replaced, truncated or made with another
 *    secret; GitLab's token wrong or missing) and scrambled further (bytes,
 *    JSON fields, content types, event names, delivery ids, sizes past the
 *    limit). A 5xx or a dropped connection is a crash; an event that reaches
 *    the intake queue is counted as enqueued. A control delivery per forge,
 *    correctly signed, must be enqueued: it shows the counter can count.
 * 3. Secrets: every token and webhook secret the server holds is searched for
 *    in every response body, in everything written to stdout and stderr
 *    during the run, in the audit log and in /metrics.
 *
 * Prints, last: security routes=N mutating=M refused_unauthenticated=M/M fuzz_bodies=N crashes=0 enqueued=0 secrets_leaked=0
 *
 * Usage: npm run --silent bench:security [-- --per-forge 10000 --seed 11]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Secret } from '../orchestrator/config/secret.ts';
import { startRedis } from '../orchestrator/runtime/local-services.ts';
import { concreteUrl, isMutating, startSecuredApi, type SecuredApi } from '../test/security/secured-api.ts';
import { prng } from '../test/support/seeded-random.ts';
import { TEST_TOKENS } from '../test/support/test-tokens.ts';
import { CLONE_URLS, forgeRequest, PUSH_EVENT_NAME, PUSH_PAYLOAD, SHA, SIGNATURE_HEADER, type Forge } from '../test/unit/webhooks/fixtures.ts';

const { values: args } = parseArgs({ options: { 'per-forge': { type: 'string', default: '10000' }, seed: { type: 'string', default: '11' }, concurrency: { type: 'string', default: '16' } } });
const PER_FORGE = Number(args['per-forge']);
const SEED = Number(args.seed);
const CONCURRENCY = Number(args.concurrency);
const FORGES: readonly Forge[] = ['github', 'gitlab', 'gitea'];
const MAX_BYTES = 64 * 1024;

// Everything written to stdout and stderr while the bench runs is kept, to be searched for secrets.
const captured: string[] = [];
const realStdout = process.stdout.write.bind(process.stdout);
const realStderr = process.stderr.write.bind(process.stderr);
const capture = (real: typeof realStdout) =>
  ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (real as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
process.stdout.write = capture(realStdout);
process.stderr.write = capture(realStderr);

const hookSecrets: Record<Forge, string> = { github: `gh-${randomBytes(18).toString('hex')}`, gitlab: `gl-${randomBytes(18).toString('hex')}`, gitea: `gt-${randomBytes(18).toString('hex')}` };
const repoOf: Record<Forge, string> = { github: 'hub', gitlab: 'lab', gitea: 'tea' };
const SECRETS = [...Object.values(TEST_TOKENS), ...Object.values(hookSecrets)];
let secretsLeaked = 0;
const scan = (text: string) => {
  for (const s of SECRETS) if (text.includes(s)) secretsLeaked++;
};

const redis = await startRedis();
let api: SecuredApi | undefined;
try {
  api = await startSecuredApi(redis.url, {
    repos: FORGES.map((forge) => ({ id: repoOf[forge], url: CLONE_URLS[forge][0]!, deployBranch: 'main', forge, webhookSecret: new Secret(hookSecrets[forge]) })),
  });
  const a = api;

  // 1. Every mutating route without a token.
  const before = await a.state();
  const mutating = a.routes.filter((r) => isMutating(r) && r.access !== 'open');
  let refused = 0;
  for (const route of mutating) {
    const path = concreteUrl(route, a);
    const body = JSON.stringify(path.endsWith('/unlock') ? { force: true } : path.includes('controls') ? { killSwitch: true } : {});
    const res = await fetch(`${a.url}${path}`, { method: route.method, headers: { 'content-type': 'application/json' }, body });
    scan(await res.text());
    if (res.status === 401) refused++;
    else console.error(`not refused: ${route.method} ${path} answered ${res.status}`);
  }
  const unchanged = JSON.stringify(await a.state()) === JSON.stringify(before);
  if (!unchanged) console.error('the state changed after the unauthenticated calls');

  // 2. Fuzzed webhook deliveries.
  const random = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const mutateJson = (value: unknown, depth = 0): unknown => {
    if (depth > 4 || value === null || typeof value !== 'object') return pick([null, 0, -1, 1e308, '', 'x'.repeat(Math.floor(random() * 300)), [], {}, true, '../../etc/passwd', '\u0000', SHA.zero]);
    const obj: Record<string, unknown> = Array.isArray(value) ? { ...value } : { ...(value as Record<string, unknown>) };
    const keys = Object.keys(obj);
    if (keys.length === 0) return obj;
    const k = pick(keys);
    const r = random();
    if (r < 0.3) delete obj[k];
    else if (r < 0.8) obj[k] = mutateJson(obj[k], depth + 1);
    else obj[`${k}_${Math.floor(random() * 100)}`] = obj[k];
    return obj;
  };

  type Delivery = { forge: Forge; headers: Record<string, string>; body: Buffer };
  function delivery(forge: Forge, signed: boolean): Delivery {
    const payload = PUSH_PAYLOAD[forge]({ ref: 'refs/heads/main', before: SHA.a, after: pick([SHA.b, SHA.c, SHA.d]) });
    const req = forgeRequest(forge, PUSH_EVENT_NAME[forge], payload, { secret: hookSecrets[forge] });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'content-length') headers[k] = v;
    // Each delivery its own id, so that a redelivery is never what keeps it out of the queue.
    for (const h of ['x-github-delivery', 'x-gitea-delivery', 'x-gitlab-event-uuid']) if (h in headers) headers[h] = `${forge}-${Math.floor(random() * 1e12)}`;
    if (signed) return { forge, headers, body: req.rawBody };
    let body = req.rawBody;
    // Break the delivery's authenticity, always: GitLab signs nothing but sends its token, so there it is the token.
    const breakBody = forge !== 'gitlab' && random() < 0.6;
    if (breakBody) {
      const r = random();
      if (r < 0.25) body = Buffer.from(JSON.stringify(mutateJson(JSON.parse(body.toString('utf8')))));
      else if (r < 0.45) body = body.subarray(0, Math.floor(random() * body.length));
      else if (r < 0.6) body = Buffer.concat([body, bytes(1 + Math.floor(random() * 64))]);
      else if (r < 0.75) {
        body = Buffer.from(body);
        for (let i = 0; i < 1 + Math.floor(random() * 8); i++) body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      } else if (r < 0.85) body = bytes(Math.floor(random() * 4096));
      else if (r < 0.92) body = Buffer.concat([body, Buffer.alloc(MAX_BYTES + Math.floor(random() * 4096), 0x20)]);
      else body = Buffer.from(JSON.stringify(mutateJson({ ...payload, ref: pick(['refs/heads/main', 'refs/tags/v1', '', 'refs/heads/../main']) })));
      if (body.equals(req.rawBody)) body = Buffer.concat([body, Buffer.from(' ')]);
    }
    if (!breakBody || random() < 0.3) {
      const sig = SIGNATURE_HEADER[forge];
      const r = random();
      const forged = pick(['', 'sha256=', `sha256=${'0'.repeat(64)}`, 'sha1=abc', randomBytes(32).toString('hex'), `sha256=${randomBytes(32).toString('hex')}`, 'x'.repeat(5000), hookSecrets[forge].slice(0, -1), `${hookSecrets[forge]}x`]);
      if (r < 0.3) delete headers[sig];
      else if (r < 0.8 || forge === 'gitlab') headers[sig] = forged;
      else headers[sig] = headers[sig]!.slice(0, -1 - Math.floor(random() * 10));
      if (forge === 'gitea' && random() < 0.5) delete headers['x-hub-signature-256'];
      if (forge === 'gitea' && headers['x-hub-signature-256']) headers['x-hub-signature-256'] = `sha256=${randomBytes(32).toString('hex')}`;
      if (forge === 'github') delete headers['x-hub-signature'];
    }
    // Scramble the rest of the envelope.
    if (random() < 0.3) headers['content-type'] = pick(['application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=z', '', 'application/json']);
    if (random() < 0.1) delete headers['content-type'];
    if (random() < 0.2) {
      const eventHeader = forge === 'github' ? 'x-github-event' : forge === 'gitlab' ? 'x-gitlab-event' : 'x-gitea-event';
      headers[eventHeader] = pick(['push', 'pull_request', 'ping', 'Push Hook', 'Merge Request Hook', '', 'x'.repeat(500), 'issues']);
    }
    if (random() < 0.05) headers['x-github-event'] = 'push';
    if (random() < 0.05) headers['x-gitlab-event'] = 'Push Hook';
    return { forge, headers, body };
  }

  let crashes = 0;
  let sent = 0;
  const statuses = new Map<number, number>();
  const send = async (d: Delivery, path = `/webhooks/${repoOf[d.forge]}`): Promise<number> => {
    try {
      const res = await fetch(`${a.url}${path}`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
      const text = await res.text();
      scan(text);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) crashes++;
      return res.status;
    } catch (err) {
      // An oversize body is answered (413) and the connection closed while it is still being sent: not a crash.
      if (d.body.length > MAX_BYTES) {
        statuses.set(413, (statuses.get(413) ?? 0) + 1);
        return 413;
      }
      crashes++;
      console.error(`connection error: ${(err as Error).message}`);
      return 0;
    }
  };
  const enqueuedBefore = a.enqueued.length;
  for (const forge of FORGES) {
    const deliveries = Array.from({ length: PER_FORGE }, () => delivery(forge, false));
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < deliveries.length) {
          const d = deliveries[next++]!;
          await send(d);
          sent++;
        }
      }),
    );
  }
  const enqueued = a.enqueued.length - enqueuedBefore;
  const alive = (await fetch(`${a.url}/healthz`)).status === 200;
  if (!alive) crashes++;

  // The control: one correctly signed push per forge is enqueued, so enqueued=0 above means something.
  let controls = 0;
  for (const forge of FORGES) if ((await send(delivery(forge, true))) === 202) controls++;
  const controlEnqueued = a.enqueued.length - enqueuedBefore - enqueued;

  // 3. The audit log and /metrics, searched too.
  scan(JSON.stringify(await a.audit()));
  scan(await (await fetch(`${a.url}/metrics`)).text());

  console.log(`fuzz statuses ${[...statuses].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}:${n}`).join(' ')}; control deliveries accepted=${controls}/3 enqueued=${controlEnqueued}; state unchanged after unauthenticated calls=${unchanged}; seed=${SEED}`);
  scan(captured.join(''));
  console.log(`security routes=${a.routes.length} mutating=${mutating.length} refused_unauthenticated=${refused}/${mutating.length} fuzz_bodies=${sent} crashes=${crashes} enqueued=${enqueued} secrets_leaked=${secretsLeaked}`);
  if (controlEnqueued !== 3 || refused !== mutating.length || !unchanged || crashes > 0 || enqueued > 0 || secretsLeaked > 0) process.exitCode = 1;
} finally {
  await api?.close();
  await redis.stop();
}
