import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature, type DeadLetter } from '../../../orchestrator/notify/notify-queue.ts';
import { startService, type RunningService } from '../../../orchestrator/service/service.ts';
import { createGitopsFixture, WEBHOOK_SECRET, type GitopsFixture } from '../../support/gitops-fixture.ts';
import { as } from '../../support/test-tokens.ts';
import { waitFor } from '../../support/wait.ts';
import { pushPayload, sendGithubWebhook, ZERO_SHA } from '../../support/webhooks.ts';

const KEY = 'service-hmac-key-7d1e0b';

/**
 * Notifications through the whole service: a push whose app-prod stack
 * cannot be applied (its provider plugin is not installed here, so every
 * attempt fails) ends in a `run.failed` CloudEvent at a real receiver, and
 * the message to a receiver that is gone shows in the API's dead-letter list.
 */
describe('notifications: a deploy that failed for good reaches a receiver, through the service', function () {
  this.timeout(300_000);
  let fx: GitopsFixture;
  let service: RunningService;
  let server: Server;
  let secrets: string;
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The addresses and the key are secrets: read from files, as a deployment would mount them.
    secrets = mkdtempSync(join(tmpdir(), 'homeostat-notify-'));
    writeFileSync(join(secrets, 'url'), `http://127.0.0.1:${(server.address() as AddressInfo).port}/receiver/s3cr3t-receiver-path`);
    writeFileSync(join(secrets, 'gone'), 'http://127.0.0.1:9/s3cr3t-gone-path');
    writeFileSync(join(secrets, 'key'), KEY);
    fx = await createGitopsFixture({
      notifications: {
        attempts: 1,
        targets: [
          { id: 'ops', kind: 'webhook', url: { file: join(secrets, 'url') }, secret: { file: join(secrets, 'key') }, events: ['run.failed'], stacks: ['app-*'] },
          { id: 'gone', kind: 'webhook', url: { file: join(secrets, 'gone') }, secret: { file: join(secrets, 'key') }, events: ['run.failed'] },
        ],
      },
    });
    service = await startService(fx.config);
  });
  after(async () => {
    await service?.stop();
    await fx?.cleanup();
    server?.closeAllConnections();
    server?.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('sends the failure of app-prod, signed, and lists the undeliverable ones without their addresses', async () => {
    const commit = await fx.repo.commitAndPush('initial stacks');
    await sendGithubWebhook(`${service.url}/webhooks/infra`, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', ZERO_SHA, commit) });
    const message = await waitFor('the run.failed event', async () => got[0], 200_000, 200);
    const event = JSON.parse(message.body) as { type: string; subject: string; data: { commit: string; message: string } };
    assert.equal(event.type, 'dev.homeostat.run.failed');
    assert.equal(event.subject, 'app-prod', 'only the stacks the target asked for');
    assert.equal(event.data.commit, commit);
    assert.match(event.data.message, /pulumi-resource-kubernetes/);
    assert.ok(verifySignature(KEY, { timestamp: message.headers[TIMESTAMP_HEADER] as string, signature: message.headers[SIGNATURE_HEADER] as string }, message.body));

    const failed = await waitFor('both stacks\' messages to the gone receiver in the dead-letter list', async () => {
      const res = await fetch(`${service.url}/api/notifications/failed`, { headers: as('viewer', false) });
      assert.equal(res.status, 200);
      const list = ((await res.json()) as { failed: DeadLetter[] }).failed;
      return list.length === 2 ? list : undefined;
    }, 60_000, 500);
    assert.deepEqual(failed.map((f) => [f.target, f.kind, f.stack]).sort(), [['gone', 'run.failed', 'app-prod'], ['gone', 'run.failed', 'web-prod']]);
    assert.ok(failed.every((f) => /^gone: could not reach the receiver/.test(f.error)), JSON.stringify(failed));
    assert.ok(!JSON.stringify(failed).includes('s3cr3t'), 'no address in the list');
    assert.equal(got.length, 1, 'web-prod is not sent to ops');
  });
});
