import assert from 'node:assert/strict';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';
import { as } from '../../support/test-tokens.ts';

describe('gitops: drift', function () {
  this.timeout(600_000);
  for (const action of ['report', 'reconcile'] as const) {
    describe(`with drift.action = ${action}`, () => {
      let fx: GitopsFixture;
      let service: RunningService;
      before(async () => {
        fx = await createGitopsFixture({}, { drift: { intervalSeconds: 0, action } });
      });
      after(async () => {
        await service?.stop();
        await fx?.cleanup();
      });

      it(`records the differing properties${action === 'reconcile' ? ' and applies the last commit again' : ', and changes nothing'}`, async () => {
        service = await startService(fx.config);
        const commit = await fx.repo.commitAndPush('initial stacks');
        await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
        await fx.waitForRun(commit, 'applied');

        // Someone scales the service by hand, behind Git's back.
        fx.fleet.tamper(fx.fleet.services()[0]!.id, { capacity: 9 });
        const res = await fetch(`${service.url}/api/stacks/${encodeURIComponent('infra/./sandbox')}/drift`, { method: 'POST', headers: as('sam'), body: '{}' });
        assert.equal(res.status, 202);
        const drift = await waitFor('a drift record', async () => (await fx.runs()).find((r) => r.mode === 'drift' && r.status !== 'running'));
        assert.equal(drift.status, 'drifted', drift.message);
        assert.match(drift.message ?? '', /checkout: capacity 2 → 9/);
        const changed = drift.previewSummary?.resources.find((r) => r.op === 'refresh');
        assert.deepEqual(changed?.changes.find((c) => c.path === 'capacity'), { path: 'capacity', kind: 'update', replace: false, old: 2, new: 9 });

        if (action === 'reconcile') {
          const reconciled = await fx.waitForRun(commit, ['applied', 'failed']).then(async () =>
            waitFor('the reconcile run', async () => (await fx.runs()).find((r) => r.trigger.kind === 'drift' && r.mode === 'deploy' && r.status !== 'running')),
          );
          assert.equal(reconciled.status, 'applied', reconciled.message);
          assert.equal(fx.fleet.services()[0]?.capacity, 2, 'the desired capacity is back');
        } else {
          await new Promise((r) => setTimeout(r, 2000));
          assert.equal(fx.fleet.services()[0]?.capacity, 9, 'reported only');
          assert.equal((await fx.runs()).filter((r) => r.trigger.kind === 'drift' && r.mode === 'deploy').length, 0);
        }
      });
    });
  }
});
