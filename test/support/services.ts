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

/**
 * Empties the shared moto server. Its GetMetricData reads every datapoint it
 * holds to answer one query, so after the remediation tests one query took
 * 4.2 s (0.07 s on an empty server) and a poll over 10 s, longer than these
 * tests' verification window: time-bound behaviour would depend on how much
 * ran before. Tests run one at a time, so a set-up that begins with this
 * takes nothing from another test.
 */
export async function resetMoto(): Promise<void> {
  const res = await fetch(`${testServices().motoUrl}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset: HTTP ${res.status} ${await res.text()}`);
}
