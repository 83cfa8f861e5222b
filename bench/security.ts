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
import { TEST_TOKENS } from '../test/support/test-tokens.ts';
import { sendDeliveries, webhookFuzzer, type Delivery } from '../test/security/webhook-fuzz.ts';
import { CLONE_URLS, type Forge } from '../test/unit/webhooks/fixtures.ts';

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
  const delivery = webhookFuzzer(SEED, hookSecrets, MAX_BYTES);
  const pathOf = (forge: Forge) => `/webhooks/${repoOf[forge]}`;
  const statuses = new Map<number, number>();
  let crashes = 0;
  let sent = 0;
  const send = async (deliveries: Delivery[]) => {
    const t = await sendDeliveries(a.url, deliveries, pathOf, { concurrency: CONCURRENCY, maxBytes: MAX_BYTES, onError: (m) => console.error(m) });
    for (const [status, n] of t.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
    for (const text of t.bodies) scan(text);
    crashes += t.crashes;
    sent += t.sent;
    return t;
  };
  const enqueuedBefore = a.enqueued.length;
  for (const forge of FORGES) await send(Array.from({ length: PER_FORGE }, () => delivery(forge, false)));
  const enqueued = a.enqueued.length - enqueuedBefore;
  const alive = (await fetch(`${a.url}/healthz`)).status === 200;
  if (!alive) crashes++;

  // The control: one correctly signed push per forge is enqueued, so enqueued=0 above means something.
  const control = await send(FORGES.map((forge) => delivery(forge, true)));
  sent -= control.sent;
  const controls = control.statuses.get(202) ?? 0;
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
