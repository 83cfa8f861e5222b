import assert from 'node:assert/strict';
import { scaleUp } from '../../../remediations/playbooks/scale-up.ts';
import { runPlaybook } from '../../../remediations/run-playbook.ts';
import type { ConfigPatchProposal } from '../../../remediations/proposal.ts';
import type { StackContract } from '../../../stacks/contract.ts';
import { cause, sandboxContract, sandboxInput } from './fixtures.ts';

describe('scale-up playbook', () => {
  const saturated = cause('saturation', 0.8);
  const atMax = { current: 16 };
  const noCapacityKey = (): StackContract => {
    const c = sandboxContract();
    return { ...c, remediable: c.remediable.filter((k) => k.purpose !== 'capacity') };
  };
  const cases: { name: string; cpu: number; contract: StackContract; causes?: ReturnType<typeof cause>[]; want?: { from: string; to: string; confidence: number } }[] = [
    { name: 'moves small -> medium when CPU hits 100% at max capacity', cpu: 100, contract: sandboxContract(atMax), want: { from: 'small', to: 'medium', confidence: 0.8 } },
    { name: 'is less sure at 95% than at 100%', cpu: 95, contract: sandboxContract(atMax), want: { from: 'small', to: 'medium', confidence: 0.68 } },
    { name: 'moves one rung only, from large to xlarge', cpu: 100, contract: sandboxContract(atMax, 'large'), want: { from: 'large', to: 'xlarge', confidence: 0.8 } },
    { name: 'applies to a stack with no capacity key to raise', cpu: 100, contract: noCapacityKey(), want: { from: 'small', to: 'medium', confidence: 0.8 } },
    { name: 'proposes nothing while capacity has room (scale-out first)', cpu: 100, contract: sandboxContract() },
    { name: 'proposes nothing at the top of the ladder', cpu: 100, contract: sandboxContract(atMax, 'xlarge') },
    { name: 'proposes nothing below 90% of the limit', cpu: 85, contract: sandboxContract(atMax) },
    { name: 'proposes nothing when a deployment leads', cpu: 100, contract: sandboxContract(atMax), causes: [cause('deployment', 0.9, { commit: 'abcdef1' })] },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const run = runPlaybook(scaleUp, sandboxInput(c.cpu, c.causes ?? [saturated], c.contract));
      assert.ok(run.ok, JSON.stringify(run));
      if (!c.want) return assert.deepEqual(run.proposals, []);
      const p = run.proposals[0] as ConfigPatchProposal;
      assert.deepEqual(p.changes, [{ key: 'sandbox:instanceSize', from: c.want.from, to: c.want.to }]);
      assert.equal(p.confidence, c.want.confidence);
      assert.equal(p.risk, 'medium', 'a new size replaces instances');
      assert.deepEqual(p.expectedEffect.map((e) => [e.signalId, e.direction, e.relative]), [['cpu', 'down', 0.5]]);
    });
  }
});
