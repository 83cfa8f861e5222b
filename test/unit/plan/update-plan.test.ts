import assert from 'node:assert/strict';
import { isPlanRefusal } from '../../../orchestrator/engine/engine-errors.ts';
import { decidePlanUse, planKey, shouldSavePlan, type PlanKeyParts, type SavedPlan } from '../../../orchestrator/plan/update-plan.ts';

const parts: PlanKeyParts = { repo: 'infra', tree: 'git-tree:4b825dc6', project: 'stacks/sandbox', stack: 'dev', policyPacks: ['sha256:aa', 'sha256:bb'] };
const saved: SavedPlan = {
  digest: `sha256:${'c'.repeat(64)}`,
  stateVersion: 'sha256:state-1',
  commit: 'a'.repeat(40),
  runId: 'r-1',
  savedAt: '2026-12-01T19:00:00.000Z',
  plan: '{"config":{}}',
};

describe('update plans: what a plan is keyed by', () => {
  it('is the same key for the same content, stack and packs, whatever the packs\' order', () => {
    assert.equal(planKey(parts), planKey({ ...parts, policyPacks: ['sha256:bb', 'sha256:aa'] }));
  });
  const differing: [string, Partial<PlanKeyParts>][] = [
    ['another repository', { repo: 'other' }],
    ['another tree (the program or its config changed)', { tree: 'git-tree:ffff' }],
    ['another project folder', { project: 'stacks/web' }],
    ['another stack', { stack: 'prod' }],
    ['other policy packs', { policyPacks: ['sha256:aa'] }],
  ];
  for (const [what, over] of differing) {
    it(`differs for ${what}`, () => assert.notEqual(planKey({ ...parts, ...over }), planKey(parts)));
  }
  it('cannot be confused by a separator inside a part', () => {
    assert.notEqual(planKey({ ...parts, repo: 'a|b', project: 'c' }), planKey({ ...parts, repo: 'a', project: 'b|c' }));
  });
});

describe('update plans: whether an apply runs within the saved plan', () => {
  it('uses the plan saved on the state the stack is still at', () => {
    assert.deepEqual(decidePlanUse(saved, 'sha256:state-1'), { use: true, plan: saved });
  });
  it('previews afresh when no preview saved a plan for this content, saying NoPlan', () => {
    assert.deepEqual(decidePlanUse(undefined, 'sha256:state-1'), { use: false, reason: 'NoPlan' });
  });
  it('previews afresh when the stack moved since the preview, naming the plan it did not use', () => {
    assert.deepEqual(decidePlanUse(saved, 'sha256:state-2'), { use: false, reason: 'StackMoved', digest: saved.digest });
  });
  it('never uses a plan on a refresh-first run (a plan is made against the state, not the cloud)', () => {
    assert.deepEqual(decidePlanUse(saved, 'sha256:state-1', { refresh: true }), { use: false, reason: 'Refresh' });
  });
});

describe('update plans: which previews keep theirs', () => {
  const table: [string, { ok: boolean; mandatoryViolations: number }, { refresh?: boolean }, boolean][] = [
    ['a clean preview', { ok: true, mandatoryViolations: 0 }, {}, true],
    ['a failed preview', { ok: false, mandatoryViolations: 0 }, {}, false],
    ['a preview with a mandatory violation', { ok: true, mandatoryViolations: 1 }, {}, false],
    ['a refresh-first preview', { ok: true, mandatoryViolations: 0 }, { refresh: true }, false],
  ];
  for (const [what, preview, options, want] of table) it(`${want ? 'keeps' : 'drops'} ${what}'s`, () => assert.equal(shouldSavePlan(preview, options), want));
});

describe("update plans: the engine's refusals of a plan (engine v3.276.0's own texts)", () => {
  const refusals = [
    'error: resource urn:pulumi:dev::planx::pulumi:providers:pulumi-nodejs::default violates plan: properties changed: ~~planx:size[{3}!={4}]',
    'error: resource urn:pulumi:dev::planx::pulumi-nodejs:dynamic:Resource::t violates plan: update is not allowed by the plan: this resource is constrained to same',
    'error: create is not allowed by the plan: no steps were expected for this resource',
    'error: no plan for resource urn:pulumi:dev::planx::pulumi-nodejs:dynamic:Resource::u',
    'error: expected resource operations for urn:pulumi:dev::planx::pulumi-nodejs:dynamic:Resource::t but none were seen',
  ];
  for (const text of refusals) it(`is a refusal: ${text.slice(7, 70)}`, () => assert.equal(isPlanRefusal(text), true));
  const others = ['error: Program exited with non-zero exit code: 1', 'error: preview failed due to policy violations', 'error: the stack is currently locked by 1 lock(s).'];
  for (const text of others) it(`is not a refusal: ${text.slice(7, 60)}`, () => assert.equal(isPlanRefusal(text), false));
});
