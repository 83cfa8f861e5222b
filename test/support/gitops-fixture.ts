import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TEST_TOKEN_ENV, tokenAuthDoc } from './test-tokens.ts';
import { loadServiceConfig, type ServiceConfig } from '../../orchestrator/config/service-config.ts';
import { createRedis } from '../../orchestrator/queue/redis.ts';
import { createRunStore, type RunStore } from '../../orchestrator/records/run-store.ts';
import type { RunRecord } from '../../orchestrator/records/run-record.ts';
import { PROJECT_ROOT } from '../../orchestrator/runtime/toolchain.ts';
import { createLocalRepo, type LocalRepo } from '../../sandbox/local-repo.ts';
import { startFleetSimulator, type FleetSimulator } from '../../sandbox/fleet-simulator.ts';
import { git } from '../../orchestrator/source/git.ts';
import { testServices, uniqueId } from './services.ts';
import { waitFor } from './wait.ts';

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

/**
 * A watched repository (bare remote + working clone seeded with the stacks),
 * a fleet simulator, and a service config pointing at them, with its own
 * Redis prefix and file backend. Everything is removed by `cleanup()`.
 */
export interface GitopsFixture {
  dir: string;
  repo: LocalRepo;
  fleet: FleetSimulator;
  prefix: string;
  config: ServiceConfig;
  /** The config as a document, for a service started in another process. */
  configDoc: Record<string, unknown>;
  env: Record<string, string>;
  /** Writes the config to a YAML file (for `homeostat serve -c`). */
  writeConfigFile(): string;
  store: RunStore;
  setStackConfig(key: string, value: string): void;
  head(): Promise<string>;
  /** Waits for a finished run of the sandbox stack at `commit` that matches `status`. */
  waitForRun(commit: string, status: RunRecord['status'] | RunRecord['status'][], timeoutMs?: number): Promise<RunRecord>;
  runs(): Promise<RunRecord[]>;
  cleanup(): Promise<void>;
}

/** The token every test forge account is configured with (`{env: TEST_FORGE_TOKEN}`). */
export const FORGE_TOKEN = 'forge-test-token-5e1d9a';

/** `overrides` replace top-level config fields; `repoOverrides` are merged into the watched repository's entry. */
export async function createGitopsFixture(overrides: Record<string, unknown> = {}, repoOverrides: Record<string, unknown> = {}): Promise<GitopsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-gitops-'));
  const repo = await createLocalRepo(join(dir, 'git'), PROJECT_ROOT);
  const fleet = await startFleetSimulator();
  const prefix = uniqueId('hs');
  const env = { TEST_WEBHOOK_SECRET: WEBHOOK_SECRET, TEST_PASSPHRASE: 'test-passphrase', TEST_GITHUB_TOKEN: 'ghp_test_token', TEST_FORGE_TOKEN: FORGE_TOKEN, ...TEST_TOKEN_ENV };
  const configDoc: Record<string, unknown> = {
    redisUrl: testServices().redisUrl,
    redisPrefix: prefix,
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: join(dir, 'data'),
    pulumi: { backendUrl: `file://${join(dir, 'state')}`, passphrase: { env: 'TEST_PASSPHRASE' }, plugins: 'off', env: { HOMEOSTAT_FLEET_URL: fleet.url } },
    repositories: [{ id: 'infra', url: repo.remote, deployBranch: 'main', forge: 'github', webhookSecret: { env: 'TEST_WEBHOOK_SECRET' }, ...repoOverrides }],
    // The API as the test principals call it (test-tokens.ts); a case may override it with `auth: 'none'`.
    auth: tokenAuthDoc(),
    ...overrides,
  };
  const config = loadServiceConfig(configDoc, env);
  const redis = createRedis(testServices().redisUrl);
  const store = createRunStore(redis, prefix);
  const stackFile = join(repo.workDir, 'stacks', 'Pulumi.sandbox.yaml');

  return {
    dir,
    repo,
    fleet,
    prefix,
    config,
    configDoc,
    env,
    writeConfigFile() {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, stringify(configDoc));
      return file;
    },
    store,
    setStackConfig(key, value) {
      writeFileSync(stackFile, readFileSync(stackFile, 'utf8').replace(new RegExp(`(${key}:) .*`), `$1 ${value}`));
    },
    head: () => git(['rev-parse', 'HEAD'], { cwd: repo.workDir }),
    async waitForRun(commit, status, timeoutMs = 150_000) {
      const wanted = Array.isArray(status) ? status : [status];
      try {
        return await waitFor(`a ${wanted.join('/')} run of sandbox@${commit.slice(0, 7)}`, async () => {
          const runs = await store.list({ stackKey: 'infra/./sandbox', limit: 100 });
          return runs.find((r) => r.commit === commit && wanted.includes(r.status));
        }, timeoutMs, 200);
      } catch (err) {
        // Say what the runs were doing instead, so a timeout explains itself.
        const runs = await store.list({ stackKey: 'infra/./sandbox', limit: 100 });
        const seen = runs.map((r) => `${r.id} ${r.commit.slice(0, 7)} ${r.status}/${r.phase} ${r.reason ?? ''} ${r.message ?? ''}`.slice(0, 300));
        throw new Error(`${(err as Error).message}; runs:\n${seen.join('\n')}`, { cause: err });
      }
    },
    runs: () => store.list({ stackKey: 'infra/./sandbox', limit: 100 }),
    async cleanup() {
      await redis.quit();
      await fleet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
