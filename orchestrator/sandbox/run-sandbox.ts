import { untilSignalled } from '../runtime/signals.ts';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadServiceConfig } from '../config/service-config.ts';
import { createRedis } from '../queue/redis.ts';
import { createRunStore } from '../records/run-store.ts';
import type { RunRecord } from '../records/run-record.ts';
import { startRedis } from '../runtime/local-services.ts';
import { PROJECT_ROOT } from '../runtime/toolchain.ts';
import { startService } from '../service/service.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { startFleetSimulator } from './fleet-simulator.ts';
import { createLocalRepo } from './local-repo.ts';

export interface SandboxOptions {
  /** Data folder for this run (repositories, state); default `<project>/.homeostat/sandbox`. */
  dataDir?: string;
  /** Exit once the initial deploy is done, instead of serving until Ctrl-C. */
  once?: boolean;
  emit: TimelineSink;
}

/**
 * The sandbox, as far as it goes today: Redis, a fleet simulator playing the
 * cloud, a local Git remote with the stacks, and the Homeostat service itself
 * (webhooks, queues, workers, the real engine on a file backend). The initial
 * stacks are pushed and announced with a signed webhook, as a forge would;
 * the service previews them with the policy pack and applies them.
 */
export async function runSandbox(options: SandboxOptions): Promise<number> {
  const { emit } = options;
  const dataDir = options.dataDir ?? join(PROJECT_ROOT, '.homeostat', 'sandbox');
  const started: { stop(): Promise<void> | void }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop();
  };
  try {
    // Every sandbox starts from nothing: no state, no repositories left from a previous one.
    await rm(dataDir, { recursive: true, force: true });
    const redis = await startRedis();
    started.push(redis);
    const fleet = await startFleetSimulator();
    started.push({ stop: () => fleet.close() });
    emit(timelineEvent('service', `redis on ${redis.url}, fleet simulator on ${fleet.url}`));

    const repo = await createLocalRepo(join(dataDir, 'git'), PROJECT_ROOT);
    // A fresh sandbox gets fresh secrets; they live in this process only.
    const secrets = { SANDBOX_WEBHOOK_SECRET: randomBytes(24).toString('base64url'), SANDBOX_PASSPHRASE: randomBytes(24).toString('base64url') };
    const config = loadServiceConfig(
      {
        redisUrl: redis.url,
        redisPrefix: 'sandbox',
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: join(dataDir, 'data'),
        pulumi: { backendUrl: `file://${join(dataDir, 'state')}`, passphrase: { env: 'SANDBOX_PASSPHRASE' }, env: { HOMEOSTAT_FLEET_URL: fleet.url } },
        repositories: [{ id: 'sandbox', url: repo.remote, deployBranch: 'main', forge: 'github', webhookSecret: { env: 'SANDBOX_WEBHOOK_SECRET' }, pollIntervalSeconds: 2, stacks: ['sandbox'] }],
      },
      secrets,
    );
    const service = await startService(config, { emit });
    started.push(service);
    emit(timelineEvent('service', `homeostat serving on ${service.url} (API: ${service.url}/api/runs, metrics: ${service.url}/metrics)`));

    // push
    const commit = await repo.commitAndPush('Initial stacks');
    emit(timelineEvent('push', 'initial stacks pushed to main', { commit }));
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: commit,
      repository: { full_name: 'sandbox/infra', clone_url: repo.remote, ssh_url: '', html_url: '' },
    });
    const res = await fetch(`${service.url}/webhooks/sandbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', secrets.SANDBOX_WEBHOOK_SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    if (res.status !== 202) throw new Error(`the service refused the sandbox's webhook: ${res.status} ${await res.text()}`);

    // Wait for the sandbox stack's run of that commit.
    const storeRedis = createRedis(redis.url);
    started.push({ stop: () => storeRedis.quit().then(() => undefined) });
    const store = createRunStore(storeRedis, 'sandbox');
    let run: RunRecord | undefined;
    for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline && !run; await sleep(200)) {
      run = (await store.list({ stackKey: 'sandbox/./sandbox', limit: 10 })).find((r) => r.commit === commit && r.status !== 'running' && r.status !== 'skipped');
    }
    if (!run) throw new Error('the initial deploy did not finish within 10 minutes');
    emit(timelineEvent('service', `fleet runs ${fleet.services().map((s) => `${s.name} (capacity ${s.capacity}, ${s.instanceSize}, ${s.version})`).join(', ') || 'nothing'}`));

    if (!options.once) {
      emit(timelineEvent('service', `sandbox running: push to ${repo.workDir} and see it deployed; Ctrl-C stops everything`));
      await untilSignalled();
    }
    return run.status === 'applied' ? 0 : 1;
  } finally {
    await stopAll();
  }
}
