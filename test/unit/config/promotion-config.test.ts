import assert from 'node:assert/strict';
import { PromotionConfigSchema } from '../../../orchestrator/config/promotion-config.ts';

const problems = (doc: unknown) => PromotionConfigSchema.safeParse(doc).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('config: promotion waves', () => {
  it('reads waves and a soak given as a duration or a number of seconds', () => {
    const waves = [{ name: 'staging', stacks: ['staging'] }, { name: 'prod', stacks: ['prod-*', 'net/prod-?'] }];
    assert.equal(PromotionConfigSchema.parse({ waves, soak: '10m' }).soak, 600_000);
    assert.equal(PromotionConfigSchema.parse({ waves, soak: 3 }).soak, 3000);
    assert.equal(PromotionConfigSchema.parse({ waves }).soak, 600_000);
  });

  it('names a bad glob, a bad duration, a duplicate wave and a single wave', () => {
    assert.deepEqual(problems({ waves: [{ name: 'a', stacks: ['prod-[12]'] }, { name: 'a', stacks: ['x'] }], soak: '10 minutes' }), [
      'waves.0.stacks.0: a stack-name glob: letters, digits, _ . - and the wildcards * and ?, optionally project/stack',
      'soak: a duration such as 90s, 10m or 2h, or a number of seconds',
      'waves.1.name: duplicate wave name a',
    ]);
    assert.deepEqual(problems({ waves: [{ name: 'a', stacks: ['x'] }] }), ['waves: a promotion needs at least two waves']);
    assert.deepEqual(problems({ waves: [{ name: 'a', stacks: [] }, { name: 'b', stacks: ['y'] }] }), ['waves.0.stacks: name the stacks of the wave (globs such as prod-*)']);
    assert.deepEqual(problems({ waves: [{ name: 'a', stacks: ['x'] }, { name: 'b', stacks: ['y'] }], soak: '2w' }), ['soak: a duration such as 90s, 10m or 2h, or a number of seconds']);
  });
});
