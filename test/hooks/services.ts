import { startMoto, startRedis, type LocalService } from '../../orchestrator/runtime/local-services.ts';

/**
 * Mocha root hooks for the whole suite: one redis-server and one moto server
 * on free loopback ports, started before the first test and stopped after the
 * last, so no test depends on a service left running by hand. Tests reach
 * them through `testServices()` (test/support/services.ts) and keep apart by
 * naming their queues, keys and metric namespaces with a random id.
 */
let redis: LocalService | undefined;
let moto: LocalService | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    [redis, moto] = await Promise.all([startRedis(), startMoto()]);
    process.env.HOMEOSTAT_TEST_REDIS_URL = redis.url;
    process.env.HOMEOSTAT_TEST_MOTO_URL = moto.url;
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await Promise.all([redis?.stop(), moto?.stop()]);
  },
};
