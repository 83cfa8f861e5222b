import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { ConfigError, loadServiceConfig } from '../../../orchestrator/config/service-config.ts';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';

const VALID = {
  pulumi: { backendUrl: 'file:///var/lib/homeostat/state', passphrase: { env: 'PASS' } },
  repositories: [{ id: 'infra', url: 'https://github.com/acme/infra.git', webhookSecret: { env: 'HOOK' } }],
};
const ENV = { PASS: 'very-secret-passphrase', HOOK: 'very-secret-hook' };

function problems(doc: unknown, env: Record<string, string> = ENV): string[] {
  try {
    loadServiceConfig(doc, env, '/etc/homeostat');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe('service config', () => {
  it('fills defaults and reads secrets from the environment', () => {
    const cfg = loadServiceConfig(VALID, ENV, '/etc/homeostat');
    assert.equal(cfg.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(cfg.repositories[0]?.deployBranch, 'main');
    assert.deepEqual(cfg.repositories[0]?.policyPacks, ['policies']);
    assert.equal(cfg.pulumi.passphrase.reveal(), 'very-secret-passphrase');
    assert.equal(cfg.dataDir, '/etc/homeostat/.homeostat/data');
  });

  it('lets the environment override the file', () => {
    const cfg = loadServiceConfig(VALID, { ...ENV, HOMEOSTAT_REDIS_URL: 'redis://10.0.0.5:6380', HOMEOSTAT_LISTEN_PORT: '9090' });
    assert.equal(cfg.redisUrl, 'redis://10.0.0.5:6380');
    assert.equal(cfg.listen.port, 9090);
  });

  it('names every wrong field at once', () => {
    const found = problems({
      redisUrl: 'http://localhost',
      pulumi: { backendUrl: 'https://api.pulumi.com', passphrase: 'in-the-file' },
      repositories: [{ id: 'bad id', url: '' , pollIntervalSeconds: -1 }],
      colour: 'blue',
    });
    for (const path of ['redisUrl', 'pulumi.backendUrl', 'pulumi.passphrase', 'repositories.0.id', 'repositories.0.url', 'repositories.0.pollIntervalSeconds']) {
      assert.ok(found.some((p) => p.startsWith(`${path}:`)), `${path} in ${JSON.stringify(found)}`);
    }
    assert.ok(found.some((p) => p.includes('colour')), 'unknown keys are named');
  });

  it('logs JSON at info by default, and names a level or format that does not exist', () => {
    assert.deepEqual(loadServiceConfig(VALID, ENV, '/etc/homeostat').log, { level: 'info', format: 'json' });
    assert.deepEqual(loadServiceConfig({ ...VALID, log: { level: 'debug', format: 'text' } }, ENV, '/etc/homeostat').log, { level: 'debug', format: 'text' });
    const found = problems({ ...VALID, log: { level: 'verbose', format: 'xml', colour: true } });
    for (const path of ['log.level', 'log.format', 'log']) assert.ok(found.some((p) => p.startsWith(`${path}:`)), `${path} in ${JSON.stringify(found)}`);
  });

  it('refuses duplicate repository ids', () => {
    assert.deepEqual(problems({ ...VALID, repositories: [VALID.repositories[0], VALID.repositories[0]] }), ['repositories.1.id: duplicate repository id infra']);
  });

  it('says which secret is missing, without any secret value', () => {
    const found = problems(VALID, { PASS: 'very-secret-passphrase' });
    assert.deepEqual(found, ['repositories.0.webhookSecret: environment variable HOOK is not set']);
    const missingFile = problems({ ...VALID, pulumi: { ...VALID.pulumi, passphrase: { file: 'nope/passphrase' } } });
    assert.deepEqual(missingFile, ['pulumi.passphrase: cannot read /etc/homeostat/nope/passphrase: ENOENT']);
  });

  it('never prints a secret: logs, JSON and inspection show [secret]', () => {
    const cfg = loadServiceConfig(VALID, ENV);
    const shown = [JSON.stringify(cfg), inspect(cfg, { depth: 10 }), String(cfg.pulumi.passphrase), `${cfg.repositories[0]?.webhookSecret}`].join('\n');
    assert.doesNotMatch(shown, /very-secret/);
    assert.match(shown, /\[secret\]/);
  });

  it('refuses a document that is not a mapping', () => {
    assert.deepEqual(problems(['a list']), ['(document): expected a mapping']);
  });

  describe('engineEnv: what a repository\'s engines may get from the service\'s environment', () => {
    it('takes a list for every stack, or lists by stack, and the service-wide names under pulumi', () => {
      const cfg = loadServiceConfig({
        ...VALID,
        pulumi: { ...VALID.pulumi, engineEnv: ['BACKEND_AWS_KEY'] },
        repositories: [{ ...VALID.repositories[0], engineEnv: { 'web-prod': ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] } }],
      }, ENV);
      assert.deepEqual(cfg.pulumi.engineEnv, ['BACKEND_AWS_KEY']);
      assert.deepEqual(cfg.repositories[0]?.engineEnv, { 'web-prod': ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
      assert.deepEqual(loadServiceConfig(VALID, ENV).pulumi.engineEnv, []);
    });

    it('refuses to hand the service\'s own secrets to a commit\'s code, naming the field', () => {
      const own = problems({ ...VALID, pulumi: { ...VALID.pulumi, engineEnv: ['PASS'] }, repositories: [{ ...VALID.repositories[0], engineEnv: ['AWS_REGION', 'HOOK', 'HOMEOSTAT_API_TOKEN', 'not a name'] }] });
      assert.deepEqual(own, [
        'repositories.0.engineEnv.3: an environment variable name',
        'pulumi.engineEnv.0: PASS holds pulumi.passphrase: it must not reach the engine and the programs',
        'repositories.0.engineEnv.1: HOOK holds repositories.0.webhookSecret: it must not reach the engine and the programs',
        'repositories.0.engineEnv.2: HOMEOSTAT_API_TOKEN holds a Homeostat setting: it must not reach the engine and the programs',
      ]);
    });
  });

  it('forecasts saturating signals 30 minutes ahead by default, and names a bad forecast setting', () => {
    assert.deepEqual(loadServiceConfig(VALID, ENV).forecast, { enabled: true, horizonMinutes: 30, minConfidence: 0.9 });
    assert.equal(loadServiceConfig({ ...VALID, forecast: { horizonMinutes: 45 } }, ENV).forecast.horizonMinutes, 45);
    assert.deepEqual(problems({ ...VALID, forecast: { horizonMinutes: 0 } }), ['forecast.horizonMinutes: a positive number of minutes']);
    assert.deepEqual(problems({ ...VALID, forecast: { horizonMinutes: '30' } }), ['forecast.horizonMinutes: a number of minutes']);
    assert.deepEqual(problems({ ...VALID, forecast: { horizonMinutes: 2000 } }), ['forecast.horizonMinutes: at most 1440 minutes (a day): a straight-line forecast is not trusted further']);
    assert.deepEqual(problems({ ...VALID, forecast: { minConfidence: 1 } }), ['forecast.minConfidence: a probability below 1']);
    assert.deepEqual(problems({ ...VALID, forecast: { horizon: 30 } }), ['forecast: Unrecognized key: "horizon"']);
  });

  it('ignores pull requests from forks unless a repository opts in', () => {
    assert.deepEqual(loadServiceConfig(VALID, ENV).repositories[0]?.pullRequests, { forks: 'ignore' });
    const opted = loadServiceConfig({ ...VALID, repositories: [{ ...VALID.repositories[0], pullRequests: { forks: 'preview' } }] }, ENV);
    assert.deepEqual(opted.repositories[0]?.pullRequests, { forks: 'preview' });
    assert.deepEqual(problems({ ...VALID, repositories: [{ ...VALID.repositories[0], pullRequests: { forks: 'run' } }] }), [
      'repositories.0.pullRequests.forks: Invalid option: expected one of "preview"|"ignore"',
    ]);
  });

  it('pins policy packs by folder, relative to the config file, or by repository and full commit; refuses one that holds no pack, lives in dataDir or names a moving ref', () => {
    const cfg = loadServiceConfig({ ...VALID, policy: { packs: [{ path: 'policies' }] } }, ENV, PROJECT_ROOT);
    assert.deepEqual(cfg.policy.packs, [{ path: join(PROJECT_ROOT, 'policies') }]);
    assert.deepEqual(loadServiceConfig(VALID, ENV).policy.packs, []);
    const sha = 'a'.repeat(40);
    assert.deepEqual(loadServiceConfig({ ...VALID, policy: { packs: [{ repo: 'https://git.example.com/platform/policy.git', commit: sha, path: 'packs/base' }] } }, ENV).policy.packs, [
      { repo: 'https://git.example.com/platform/policy.git', commit: sha, path: 'packs/base' },
    ]);
    assert.deepEqual(problems({ ...VALID, policy: { packs: [{ path: 'p', commit: 'abc' }, { path: 'p', repo: 'r', commit: 'main' }, { path: '../x', repo: 'r', commit: sha }, { path: 'p', repo: 'r', commit: sha, branch: 'main' }] } }), [
      'policy.packs.0.commit: a full commit SHA (40 hex digits): a branch or tag could move',
      'policy.packs.0: repo and commit go together: a pack pinned to a commit of a policy repository names both',
      'policy.packs.1.commit: a full commit SHA (40 hex digits): a branch or tag could move',
      "policy.packs.2.path: a folder inside the policy repository: relative, without '..' parts",
      'policy.packs.3: Unrecognized key: "branch"',
    ]);
    assert.deepEqual(problems({ ...VALID, policy: { packs: [{ path: '/nowhere' }, { path: '.homeostat/data/source/x' }] } }), [
      'policy.packs.0.path: no policy pack (PulumiPolicy.yaml) in /nowhere',
      'policy.packs.1.path: no policy pack (PulumiPolicy.yaml) in /etc/homeostat/.homeostat/data/source/x',
      'policy.packs.1.path: /etc/homeostat/.homeostat/data/source/x is inside dataDir, where commits are checked out',
    ]);
  });

  describe('every section is strict: a misspelled key stops the service and is named', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['top level', { redisURL: 'redis://x' }, '(document): Unrecognized key: "redisURL"'],
      ['pulumi', { pulumi: { ...VALID.pulumi, backendURL: 'file:///x' } }, 'pulumi: Unrecognized key: "backendURL"'],
      ['a repository', { repositories: [{ ...VALID.repositories[0], deploybranch: 'main' }] }, 'repositories.0: Unrecognized key: "deploybranch"'],
      ['pullRequests', { repositories: [{ ...VALID.repositories[0], pullRequests: { fork: 'preview' } }] }, 'repositories.0.pullRequests: Unrecognized key: "fork"'],
      ['policy', { policy: { pack: [] } }, 'policy: Unrecognized key: "pack"'],
      ['guardrails', { remediation: { guardrails: { cooldownMS: 60_000 } } }, 'remediation.guardrails: Unrecognized key: "cooldownMS"'],
      ['blast radius', { remediation: { guardrails: { blastRadius: { maxStep: 3 } } } }, 'remediation.guardrails.blastRadius: Unrecognized key: "maxStep"'],
      ['a canary group', { remediation: { guardrails: { canaryGroups: [{ name: 'web', canary: 'a/./b', members: [], memebers: [] }] } } }, 'remediation.guardrails.canaryGroups.0: Unrecognized key: "memebers"'],
    ];
    for (const [where, doc, expected] of cases) {
      it(where, () => assert.deepEqual(problems({ ...VALID, ...doc }), [expected]));
    }
    it('a freeze window with a misspelled key is refused, not read as a window without it', () => {
      const found = problems({ ...VALID, remediation: { guardrails: { freezeWindows: [{ days: ['fri'], from: '18:00', to: '08:00', utcOffset: 60 }] } } });
      assert.deepEqual(found, ['remediation.guardrails.freezeWindows.0: Unrecognized key: "utcOffset"']);
    });
  });

  it('refuses repository ids, deploy branches and pack folders that could escape, naming the field', () => {
    const repo = VALID.repositories[0]!;
    assert.deepEqual(problems({ ...VALID, repositories: [{ ...repo, id: '..' }] }), ['repositories.0.id: a repository id: letters, digits, _ . -, starting with a letter or digit', "repositories.0.id: a repository id: no '..'"]);
    assert.deepEqual(problems({ ...VALID, repositories: [{ ...repo, id: 'a/b' }] }), ['repositories.0.id: a repository id: letters, digits, _ . -, starting with a letter or digit']);
    assert.deepEqual(problems({ ...VALID, repositories: [{ ...repo, deployBranch: '--upload-pack=evil' }] }), ["repositories.0.deployBranch: not a valid branch name: starts with '-' (it would read as an option)"]);
    assert.deepEqual(problems({ ...VALID, repositories: [{ ...repo, deployBranch: 'main..x' }] }), ["repositories.0.deployBranch: not a valid branch name: holds '..'"]);
    assert.deepEqual(problems({ ...VALID, repositories: [{ ...repo, policyPacks: ['../../etc'] }] }), ["repositories.0.policyPacks.0: a folder inside the repository: relative, without '..' parts"]);
  });
});
