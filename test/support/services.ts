/** Addresses of the services the root hooks started (test/hooks/services.ts). */
export function testServices(): { redisUrl: string; motoUrl: string } {
  const redisUrl = process.env.HOMEOSTAT_TEST_REDIS_URL;
  const motoUrl = process.env.HOMEOSTAT_TEST_MOTO_URL;
  if (!redisUrl || !motoUrl) {
    throw new Error('test services are not running: run the suite with --require test/hooks/services.ts (npm test does)');
  }
  return { redisUrl, motoUrl };
}

/** A short random id, to keep each test's queues, keys and namespaces apart. */
export function uniqueId(prefix = 't'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
