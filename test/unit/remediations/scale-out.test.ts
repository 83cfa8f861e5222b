import assert from 'node:assert/strict';
import { scaleOut } from '../../../remediations/playbooks/scale-out.ts';
import { runPlaybook } from '../../../remediations/run-playbook.ts';
import type { ConfigPatchProposal } from '../../../remediations/proposal.ts';
import { APP, cause, sandboxContract, sandboxInput } from './fixtures.ts';

describe('scale-out playbook', () => {
  const saturated = cause('saturation', 0.9);
  const cases: {
    name: string;
    cpu: number;
    causes: ReturnType<typeof cause>[];
    capacity?: Parameters<typeof sandboxContract>[0];
    want?: { from: number; to: number; risk: string; confidence: number };
  }[] = [
    { name: 'doubles capacity 2 -> 4 for CPU at 95% (1.58x wanted, rounded up)', cpu: 95, causes: [saturated], want: { from: 2, to: 4, risk: 'low', confidence: 0.9 } },
    { name: 'grows by at least 1.5x when CPU is only at 80%', cpu: 80, causes: [saturated], capacity: { current: 8 }, want: { from: 8, to: 12, risk: 'low', confidence: 0.9 } },
    {
      name: 'stops at the declared max and lowers confidence for the shortfall',
      cpu: 100,
      causes: [saturated],
      capacity: { current: 12 },
      want: { from: 12, to: 16, risk: 'low', confidence: 0.743 },
    },
    { name: 'keeps within a step ratio below 2', cpu: 95, causes: [saturated], capacity: { current: 3, maxStepRatio: 1.5 }, want: { from: 3, to: 4, risk: 'low', confidence: 0.765 } },
    { name: 'starts a stopped service at the step ratio, as medium risk', cpu: 95, causes: [saturated], capacity: { current: 0, min: 0 }, want: { from: 0, to: 2, risk: 'medium', confidence: 0.9 } },
    { name: 'proposes nothing at the max (scale-up is the answer there)', cpu: 95, causes: [saturated], capacity: { current: 16 } },
    { name: 'proposes nothing when a deployment leads', cpu: 95, causes: [cause('deployment', 0.8, { commit: 'abcdef1' }), cause('saturation', 0.5)] },
    { name: 'proposes nothing when the unknown is more likely than saturation', cpu: 95, causes: [cause('unknown', 0.5), cause('saturation', 0.3)] },
    { name: 'proposes nothing when the saturation sits on another stack', cpu: 95, causes: [cause('saturation', 0.9, { stackKey: APP })] },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const run = runPlaybook(scaleOut, sandboxInput(c.cpu, c.causes, sandboxContract(c.capacity)));
      assert.ok(run.ok, JSON.stringify(run));
      if (!c.want) return assert.deepEqual(run.proposals, []);
      assert.equal(run.proposals.length, 1);
      const p = run.proposals[0] as ConfigPatchProposal;
      assert.equal(p.kind, 'config-patch');
      assert.equal(p.file, 'stacks/Pulumi.sandbox.yaml');
      assert.deepEqual(p.changes, [{ key: 'sandbox:capacity', from: c.want.from, to: c.want.to }]);
      assert.equal(p.risk, c.want.risk);
      assert.equal(p.confidence, c.want.confidence);
      assert.match(p.explanation, /Saturation is the most likely cause/);
    });
  }

  it('expects CPU to fall by the share of new capacity, latency by about half that', () => {
    const run = runPlaybook(scaleOut, sandboxInput(95, [saturated]));
    assert.ok(run.ok);
    assert.deepEqual(
      run.proposals[0]!.expectedEffect.map((e) => [e.signalId, e.direction, e.relative]),
      [
        ['cpu', 'down', 0.5],
        ['latency', 'down', 0.25],
      ],
    );
  });
});
