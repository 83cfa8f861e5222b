import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { configSecrets } from '../../../orchestrator/config/config-secrets.ts';
import { ConfigError, loadServiceConfig } from '../../../orchestrator/config/service-config.ts';

const BASE = {
  pulumi: { backendUrl: 'file:///var/lib/homeostat/state', passphrase: { env: 'PASS' } },
  repositories: [{ id: 'infra', url: 'https://gitlab.example.com/acme/platform/infra.git', forge: 'gitlab' }],
};
const ENV = { PASS: 'very-secret-passphrase', GL_TOKEN: 'glpat-very-secret-token', GT_TOKEN: 'gitea-very-secret-token' };

function problems(doc: unknown, env: Record<string, string> = ENV): string[] {
  try {
    loadServiceConfig(doc, env, '/etc/homeostat');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe('service config: forge accounts', () => {
  it('reads a GitLab and a Gitea account, tokens by reference; GitLab defaults to gitlab.com', () => {
    const cfg = loadServiceConfig({ ...BASE, forge: { gitlab: { token: { env: 'GL_TOKEN' } }, gitea: { token: { env: 'GT_TOKEN' }, url: 'https://gitea.example.com' } } }, ENV);
    assert.equal(cfg.forge.gitlab?.url, 'https://gitlab.com');
    assert.equal(cfg.forge.gitlab?.token.reveal(), 'glpat-very-secret-token');
    assert.equal(cfg.forge.gitea?.url, 'https://gitea.example.com');
    assert.deepEqual(configSecrets(cfg).filter((s) => s.includes('very-secret-token')).sort(), ['gitea-very-secret-token', 'glpat-very-secret-token']);
    assert.doesNotMatch(inspect(cfg, { depth: 10 }), /very-secret-token/);
  });

  it('names what is wrong: a Gitea account without its url, a token given as a value, an unset variable, a URL that is not http', () => {
    assert.deepEqual(
      problems({ ...BASE, forge: { gitea: { token: { env: 'GT_TOKEN' } }, gitlab: { token: 'glpat-inline' } } }),
      ['forge.gitlab.token: Invalid input', 'forge.gitea.url: Invalid input: expected string, received undefined'],
    );
    assert.deepEqual(problems({ ...BASE, forge: { gitlab: { token: { env: 'NOT_SET' } } } }), ['forge.gitlab.token: environment variable NOT_SET is not set']);
    assert.deepEqual(problems({ ...BASE, forge: { gitea: { token: { env: 'GT_TOKEN' }, url: 'ftp://gitea.example.com' } } }), ['forge.gitea.url: an http:// or https:// URL']);
  });

  it('refuses to hand a forge token\'s variable to the engine', () => {
    const found = problems({ ...BASE, pulumi: { ...BASE.pulumi, engineEnv: ['GL_TOKEN'] }, forge: { gitlab: { token: { env: 'GL_TOKEN' } } } });
    assert.deepEqual(found, ['pulumi.engineEnv.0: GL_TOKEN holds forge.gitlab.token: it must not reach the engine and the programs']);
  });

  it('a repository may name its project on the forge (forgeRepo), as a path of at least two parts', () => {
    const cfg = loadServiceConfig({ ...BASE, repositories: [{ ...BASE.repositories[0], forgeRepo: 'acme/platform/infra' }] }, ENV);
    assert.equal(cfg.repositories[0]?.forgeRepo, 'acme/platform/infra');
    assert.match(problems({ ...BASE, repositories: [{ ...BASE.repositories[0], forgeRepo: 'infra' }] })[0] ?? '', /^repositories\.0\.forgeRepo: a forge repository path/);
  });
});
