import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadServiceConfig } from '../../../orchestrator/config/service-config.ts';
import type { RunRecord } from '../../../orchestrator/records/run-record.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

/**
 * The web-prod stack's program registers AWS resources; the aws provider
 * plugin (7.48.0) cannot be had here. Run by the real engine through the
 * ordinary deploy path, it fails with MissingPlugin (stalled at once when
 * acquisition is off; retried with backoff under `acquire`, as the download
 * site may answer later), and the run's message says what to do for the way
 * the service gets its plugins.
 */
describe('gitops: a stack whose provider plugin is missing stalls with advice that fits pulumi.plugins', function () {
  this.timeout(600_000);

  async function stalledWebProd(plugins: (fxDir: string) => unknown): Promise<RunRecord> {
    let fx: GitopsFixture | undefined;
    let service: RunningService | undefined;
    try {
      fx = await createGitopsFixture({}, { stacks: ['web-prod'] });
      // The fixture's config says `off`; a case that wants another mode replaces it.
      const config = loadServiceConfig({ ...fx.configDoc, pulumi: { ...(fx.configDoc.pulumi as Record<string, unknown>), plugins: plugins(fx.dir) } }, fx.env);
      service = await startService(config, { engineEnv: { HOMEOSTAT_FLEET_URL: fx.fleet.url } });
      const commit = await fx.repo.commitAndPush('the stacks');
      const res = await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const store = fx.store;
      return await waitFor('a finished run of web-prod', async () => (await store.list({ stackKey: 'infra/./web-prod', limit: 10 })).find((r) => r.commit === commit && r.status === 'failed'), 240_000, 250);
    } finally {
      await service?.stop();
      await fx?.cleanup();
    }
  }

  it('off: names the plugin and its version, and the setting to change', async () => {
    const run = await stalledWebProd(() => 'off');
    assert.equal(run.reason, 'MissingPlugin', run.message);
    assert.match(run.message ?? '', /no resource plugin 'pulumi-resource-aws' found in the workspace at version v7\.48\.0/);
    assert.match(run.message ?? '', /pulumi\.plugins is off \(no acquisition, no plugin folder\): set it to acquire to let the engine download resource plugin aws 7\.48\.0, or to \{mode: preinstalled/);
  });

  it('acquire: the engine really tries to download it (whatever the shell exported), and the advice says so', async () => {
    // The tests run from a shell that sourced scripts/lib/env.sh, which exports acquisition off.
    assert.equal(process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'true');
    const run = await stalledWebProd(() => 'acquire');
    assert.equal(run.reason, 'MissingPlugin', run.message);
    // Nothing can be downloaded here: the engine's own words that it tried.
    assert.match(run.message ?? '', /Could not automatically download and install resource plugin 'pulumi-resource-aws' at version v7\.48\.0/);
    assert.match(run.message ?? '', /pulumi\.plugins is acquire but the engine could not get it: let the service reach the plugin's download site/);
  });

  it('preinstalled: names the folder, and how to install the plugin into it from its archive', async () => {
    let folder = '';
    const run = await stalledWebProd((dir) => {
      folder = join(dir, 'airgap', 'pulumi-home', 'plugins');
      mkdirSync(folder, { recursive: true });
      return { mode: 'preinstalled', dir: folder };
    });
    assert.equal(run.reason, 'MissingPlugin', run.message);
    assert.ok(run.message?.includes(`pulumi.plugins is preinstalled: install it into ${folder} from the plugin's archive`), run.message);
    assert.ok(run.message?.includes(`PULUMI_HOME=${join(folder, '..')} pulumi plugin install resource aws 7.48.0 --file <archive>`), run.message);
  });
});
