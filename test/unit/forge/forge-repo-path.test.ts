import assert from 'node:assert/strict';
import { forgeRepoPath } from '../../../orchestrator/forge/forge.ts';

describe('forge: the repository as its forge names it, from a clone URL', () => {
  const cases: [string, 'github' | 'gitlab' | 'gitea', string | undefined][] = [
    ['https://github.com/acme/infra.git', 'github', 'acme/infra'],
    ['git@github.com:acme/infra.git', 'github', 'acme/infra'],
    ['https://gitea.example.com/acme/infra', 'gitea', 'acme/infra'],
    ['https://gitlab.com/acme/platform/infra.git', 'gitlab', 'acme/platform/infra'],
    ['git@gitlab.example.com:acme/platform/infra.git', 'gitlab', 'acme/platform/infra'],
    ['ssh://git@gitlab.example.com:2222/acme/infra.git', 'gitlab', 'acme/infra'],
    ['https://gitlab.com/infra.git', 'gitlab', undefined],
    ['not a url', 'gitlab', undefined],
  ];
  for (const [url, forge, expected] of cases) {
    it(`${forge}: ${url} -> ${expected ?? '(none)'}`, () => {
      assert.equal(forgeRepoPath(url, forge), expected);
    });
  }
});
