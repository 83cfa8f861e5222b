import { Redis } from 'ioredis';
import { startMoto, startRedis, type LocalService } from '../../orchestrator/runtime/local-services.ts';

/**
 * Mocha root hooks for the whole suite: one redis-server and one moto server
 * on free loopback ports, started before the first test and stopped after the
 * last, so no test depends on a service left running by hand. Tests reach
 * them through `testServices()` (test/support/services.ts) and keep apart by
 * naming their queues, keys and metric namespaces with a random id.
 *
 * At the end the hooks look for what a test left behind: a Redis connection
 * still open when the suite ends is a client some test (or the code under
 * test) never closed. After Redis stops, such a client reconnects forever and
 * keeps mocha from exiting, so CI would wait out its whole time limit. The
 * suite fails instead, naming each leaked connection and the test that was
 * running when it was opened.
 */
let redis: LocalService | undefined;
let moto: LocalService | undefined;

/** When each test began, to name the test that opened a leaked connection. */
const testStarts: { title: string; at: number }[] = [];

interface ClientInfo {
  id: string;
  name: string;
  ageSeconds: number;
}

function parseClientList(text: string): ClientInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields = new Map(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      return { id: fields.get('id') ?? '?', name: fields.get('name') ?? '', ageSeconds: Number(fields.get('age') ?? 0) };
    });
}

/**
 * The tests that were running while a connection of this age was opened.
 * Redis gives the age in whole seconds, both clocks truncated, so the window is two seconds wide.
 */
function testsRunningBetween(from: number, to: number): string {
  const titles = testStarts
    .filter((start, i) => start.at <= to && (testStarts[i + 1]?.at ?? Infinity) >= from)
    .map((start) => start.title);
  return titles.length > 0 ? titles.join(' | ') : '(before the first test)';
}

/** Connections other than our own that are still open on the suite's Redis. */
async function leakedConnections(url: string): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const ownId = String(await client.client('ID'));
    const list = parseClientList(String(await client.client('LIST')));
    const now = Date.now();
    return list
      .filter((c) => c.id !== ownId)
      .map((c) => `connection ${c.id}${c.name ? ` (${c.name})` : ''}, opened ${c.ageSeconds}s ago, during: ${testsRunningBetween(now - (c.ageSeconds + 1) * 1000, now - (c.ageSeconds - 1) * 1000)}`);
  } finally {
    client.disconnect();
  }
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    [redis, moto] = await Promise.all([startRedis(), startMoto()]);
    process.env.HOMEOSTAT_TEST_REDIS_URL = redis.url;
    process.env.HOMEOSTAT_TEST_MOTO_URL = moto.url;
  },
  beforeEach(this: Mocha.Context) {
    testStarts.push({ title: this.currentTest?.fullTitle() ?? '?', at: Date.now() });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    // Clients closed by a test's own after() hook may still be saying goodbye.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const leaks = redis ? await leakedConnections(redis.url) : [];
    await Promise.all([redis?.stop(), moto?.stop()]);
    if (leaks.length > 0) {
      throw new Error(`${leaks.length} Redis connection(s) left open by the suite:\n  ${leaks.join('\n  ')}`);
    }
  },
};
