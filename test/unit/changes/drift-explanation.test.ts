import assert from 'node:assert/strict';
import { describeLink, explainingChanges } from '../../../orchestrator/changes/drift-explanation.ts';
import type { StackChange } from '../../../orchestrator/changes/stack-resources.ts';

const STACK = 'infra/./web';
const APPLIED = Date.UTC(2026, 11, 1, 22, 0);

function change(id: string, at: number, parameters: Record<string, unknown>, overrides: Partial<StackChange> = {}): StackChange {
  return { id, at, source: 'aws.autoscaling', kind: 'api-call', eventName: 'UpdateAutoScalingGroup', principal: 'arn:aws:iam::1:user/alice', manual: true, resources: ['web'], parameters, stackKeys: [STACK], ...overrides };
}

describe('change events: what explains a drift', () => {
  const drifted = [{ name: 'web', changes: [{ path: 'capacity' }] }];

  it('links the change after the last apply that sets the drifted property', () => {
    const links = explainingChanges(STACK, drifted, [change('tags', APPLIED + 5000, { tags: 'x' }), change('cap', APPLIED + 1000, { desiredCapacity: 1 })], APPLIED);
    assert.deepEqual(links.map((l) => [l.id, l.matches]), [['cap', ['capacity']], ['tags', []]]);
    assert.match(describeLink(links[0]!), /alice UpdateAutoScalingGroup at 2026-12-01T22:00:01\.000Z \(event cap; sets capacity\)/);
  });

  it('leaves out changes from before the last apply, to other stacks, and by the service itself', () => {
    const links = explainingChanges(
      STACK,
      drifted,
      [
        change('old', APPLIED - 1000, { desiredCapacity: 1 }),
        change('other', APPLIED + 1000, { desiredCapacity: 1 }, { stackKeys: ['infra/./db'] }),
        change('asg', APPLIED + 1000, { Cause: 'policy' }, { manual: false }),
      ],
      APPLIED,
    );
    assert.deepEqual(links, []);
  });

  it('counts a change stamped in the second of the apply (event times are whole seconds)', () => {
    const applied = APPLIED + 700;
    assert.equal(explainingChanges(STACK, drifted, [change('same-second', APPLIED, { desiredCapacity: 1 })], applied).length, 1);
    assert.equal(explainingChanges(STACK, drifted, [change('second-before', APPLIED - 1000, { desiredCapacity: 1 })], applied).length, 0);
  });

  it('takes every retained change when the stack has no apply time', () => {
    assert.equal(explainingChanges(STACK, drifted, [change('a', 1, { desiredCapacity: 1 })], undefined).length, 1);
  });
});
