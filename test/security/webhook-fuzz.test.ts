import assert from 'node:assert/strict';
import { Secret } from '../../orchestrator/config/secret.ts';
import { testServices } from '../support/services.ts';
import { CLONE_URLS, type Forge } from '../unit/webhooks/fixtures.ts';
import { startSecuredApi, type SecuredApi } from './secured-api.ts';
import { sendDeliveries, webhookFuzzer } from './webhook-fuzz.ts';

const FORGES: readonly Forge[] = ['github', 'gitlab', 'gitea'];
const PER_FORGE = 10_000;
const MAX_BYTES = 64 * 1024;
const HOOK_SECRETS: Record<Forge, string> = { github: 'fuzz-github-hook-secret-1', gitlab: 'fuzz-gitlab-hook-token-22', gitea: 'fuzz-gitea-hook-secret-333' };
const repoOf = (forge: Forge) => `${forge}-repo`;

describe('security: 10,000 seeded deliveries per forge whose authenticity is broken', function () {
  this.timeout(600_000);
  let api: SecuredApi;
  before(async () => {
    api = await startSecuredApi(testServices().redisUrl, {
      repos: FORGES.map((forge) => ({ id: repoOf(forge), url: CLONE_URLS[forge][0]!, deployBranch: 'main', forge, webhookSecret: new Secret(HOOK_SECRETS[forge]) })),
    });
  });
  after(async () => {
    await api?.close();
  });

  for (const forge of FORGES) {
    it(`${forge}: no crash, no 5xx, no secret in a response, nothing enqueued; a correctly signed one still is`, async () => {
      const delivery = webhookFuzzer(forge.length * 7919, HOOK_SECRETS, MAX_BYTES);
      const before = api.enqueued.length;
      const tally = await sendDeliveries(api.url, Array.from({ length: PER_FORGE }, () => delivery(forge, false)), (f) => `/webhooks/${repoOf(f)}`, { concurrency: 8, maxBytes: MAX_BYTES });
      assert.equal(tally.sent, PER_FORGE);
      assert.equal(tally.crashes, 0, `statuses: ${JSON.stringify([...tally.statuses])}`);
      assert.equal(api.enqueued.length, before, 'a delivery with a broken signature reached the intake queue');
      const leaked = tally.bodies.filter((b) => Object.values(HOOK_SECRETS).some((s) => b.includes(s)));
      assert.deepEqual(leaked, []);
      assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
      // The control shows the counter can count.
      const control = await sendDeliveries(api.url, [delivery(forge, true)], (f) => `/webhooks/${repoOf(f)}`, { concurrency: 1, maxBytes: MAX_BYTES });
      assert.deepEqual([...control.statuses], [[202, 1]], control.bodies.join());
      assert.equal(api.enqueued.length, before + 1);
    });
  }
});
