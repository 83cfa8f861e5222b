import assert from 'node:assert/strict';
import { heldForDependents } from '../../../orchestrator/decide/index.ts';
import type { Proposal } from '../../../remediations/proposal.ts';

describe('decide: a change to a stack others depend on', () => {
  const proposal = (risk: Proposal['risk']): Proposal => ({
    kind: 'config-patch',
    playbook: 'scale-out',
    stackKey: 'infra/network/prod',
    title: 'scale out',
    confidence: 0.9,
    risk,
    explanation: 'cpu is high',
    evidence: ['cpu 92 %'],
    file: 'network/Pulumi.prod.yaml',
    changes: [{ key: 'net:capacity', from: 2, to: 3 }],
  }) as Proposal;

  it('is at least medium risk, with the stacks it reaches in its evidence', () => {
    const held = heldForDependents(proposal('low'), ['infra/app/prod', 'infra/cluster/prod']);
    assert.equal(held.risk, 'medium');
    assert.deepEqual(held.evidence, ['cpu 92 %', '2 stack(s) depend on this one: infra/app/prod, infra/cluster/prod']);
  });

  it('keeps a higher risk, and shortens a long list', () => {
    const many = Array.from({ length: 7 }, (_, i) => `infra/app${i}/prod`);
    const held = heldForDependents(proposal('high'), many);
    assert.equal(held.risk, 'high');
    assert.match(held.evidence.at(-1)!, /7 stack\(s\) depend on this one: infra\/app0\/prod, .*infra\/app4\/prod and 2 more$/);
  });

  it('leaves a stack nothing depends on as it was', () => {
    const p = proposal('low');
    assert.equal(heldForDependents(p, []), p);
  });
});
