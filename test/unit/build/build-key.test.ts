import assert from 'node:assert/strict';
import { buildKey, BUILD_OPTIONS_VERSION } from '../../../orchestrator/build/build-key.ts';

describe('build key: one compile per content', () => {
  const base = { kind: 'program', sourceDigest: 'git-tree:4b825dc6', entry: 'stacks/main.mjs', esbuildVersion: '0.28.2' } as const;

  it('is the same for the same sources, entry and compiler, wherever they are checked out', () => {
    assert.equal(buildKey(base), buildKey({ ...base }));
    assert.equal(buildKey(base), buildKey({ ...base, entry: './stacks/main.mjs' }), 'a leading ./ names the same entry');
    assert.match(buildKey(base), /^[0-9a-f]{32}$/);
  });

  for (const [what, change] of [
    ['another commit\'s tree', { sourceDigest: 'git-tree:aaaaaaaa' }],
    ['another entry', { entry: 'stacks/index.ts' }],
    ['another esbuild', { esbuildVersion: '0.28.3' }],
    ['other build options', { optionsVersion: BUILD_OPTIONS_VERSION + 1 }],
    ['a policy pack rather than a program', { kind: 'policy-pack' }],
  ] as const) {
    it(`changes with ${what}`, () => assert.notEqual(buildKey({ ...base, ...change }), buildKey(base)));
  }
});
