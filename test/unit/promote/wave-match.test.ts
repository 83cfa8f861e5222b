import assert from 'node:assert/strict';
import { globMatches, waveOf } from '../../../orchestrator/promote/wave-match.ts';

const WAVES = [
  { name: 'staging', stacks: ['staging'] },
  { name: 'canary', stacks: ['prod-canary'] },
  { name: 'prod', stacks: ['prod-*'] },
];

describe('promotion waves: which wave a stack belongs to', () => {
  it('puts a stack in the first wave that names it, so the canary is not also in prod-*', () => {
    assert.equal(waveOf(WAVES, 'web', 'staging'), 0);
    assert.equal(waveOf(WAVES, 'web', 'prod-canary'), 1);
    assert.equal(waveOf(WAVES, 'web', 'prod-east'), 2);
  });

  it('leaves a stack no wave names outside the promotion', () => {
    assert.equal(waveOf(WAVES, 'web', 'dev'), undefined);
  });

  it('matches a glob with a slash against project/stack, and * never crosses it', () => {
    assert.equal(globMatches('net/prod-*', 'net', 'prod-east'), true);
    assert.equal(globMatches('net/prod-*', 'web', 'prod-east'), false);
    assert.equal(globMatches('*', 'web', 'prod-east'), true);
    assert.equal(globMatches('*', 'web', 'a/b'), false);
  });

  it('takes dots and dashes literally, and ? as one character', () => {
    assert.equal(globMatches('prod.eu', 'p', 'prodxeu'), false);
    assert.equal(globMatches('prod-?', 'p', 'prod-1'), true);
    assert.equal(globMatches('prod-?', 'p', 'prod-12'), false);
  });
});
