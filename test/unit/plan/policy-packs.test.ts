import assert from 'node:assert/strict';
import { planPolicyPacks } from '../../../orchestrator/plan/policy-packs.ts';

const PINNED = { path: '/etc/homeostat/policies', digest: 'sha256:platform' };
const own = (relative: string, digest: string | undefined) => ({ relative, path: `/work/checkout/${relative}`, digest });

describe('plan: which policy packs a run enforces', () => {
  it('runs the pinned pack first and the commit\'s own besides it; an identical copy needs no note', () => {
    assert.deepEqual(planPolicyPacks([PINNED], [own('policies', 'sha256:platform')]), {
      run: ['/etc/homeostat/policies', '/work/checkout/policies'],
      use: { pinned: ['/etc/homeostat/policies'], commit: ['policies'], notes: [] },
    });
  });

  it('a commit that deleted its pack still gets the pinned one, and the run says the pack is gone', () => {
    const plan = planPolicyPacks([PINNED], [own('policies', undefined)]);
    assert.deepEqual(plan.run, ['/etc/homeostat/policies']);
    assert.deepEqual(plan.use.notes, [
      'the commit has no policy pack at policies: the pinned packs ran without it',
      'pinned pack /etc/homeostat/policies ran; the commit carries no pack of its own',
    ]);
  });

  it('a commit whose pack was edited (a rule removed, say) runs it besides the pinned one, and says they differ', () => {
    const plan = planPolicyPacks([PINNED], [own('policies', 'sha256:edited')]);
    assert.deepEqual(plan.run, ['/etc/homeostat/policies', '/work/checkout/policies']);
    assert.deepEqual(plan.use.notes, ['pinned pack /etc/homeostat/policies ran; the commit\'s own policies differs from it']);
  });

  it('without pinned packs a missing pack is still passed on, so the engine refuses to run as before', () => {
    const plan = planPolicyPacks([], [own('policies', undefined)]);
    assert.deepEqual(plan.run, ['/work/checkout/policies']);
    assert.deepEqual(plan.use.commit, []);
    assert.deepEqual(plan.use.notes, ['the commit has no policy pack at policies']);
  });
});
