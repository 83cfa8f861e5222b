import assert from 'node:assert/strict';
import type { StackChange } from '../../../orchestrator/changes/stack-resources.ts';
import type { Incident } from '../../../orchestrator/correlate/incident.ts';
import { initialTrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import type { CorrelationInput } from '../../../orchestrator/correlate/correlation-input.ts';
import { diagnose } from '../../../orchestrator/diagnose/diagnose.ts';
import { API, DB, MIN, T0, a, topology } from '../correlate/fixtures.ts';

function incidentOf(inputs: CorrelationInput[], now: number): Incident {
  const [incident] = step(initialTrackerState(), inputs, now, { topology: topology() }).state.open;
  assert.ok(incident);
  return incident;
}

const onset = T0 + 60 * MIN;
const ALICE = 'arn:aws:iam::123456789012:user/alice';

function change(at: number, overrides: Partial<StackChange> = {}): StackChange {
  return {
    id: `ev-${at}`,
    at,
    source: 'aws.autoscaling',
    kind: 'api-call',
    eventName: 'UpdateAutoScalingGroup',
    principal: ALICE,
    manual: true,
    resources: ['svc-asg'],
    parameters: { autoScalingGroupName: 'svc-asg', desiredCapacity: 1 },
    stackKeys: [API],
    ...overrides,
  };
}

describe('diagnosis: a manual change before the incident', () => {
  const cpu = incidentOf([a(API, 'cpu', onset, 97, 0.9), a(API, 'latency', onset + MIN, 900, 0.8, 'latency')], onset + 5 * MIN);
  const manual = (changes: StackChange[]) => diagnose(cpu, { topology: topology(), changes }).causes.filter((c) => c.kind === 'manual-change');

  it('ranks a capacity change made 3 minutes before the onset first, naming who and what', () => {
    const d = diagnose(cpu, { topology: topology(), changes: [change(onset - 3 * MIN)] });
    const top = d.causes[0]!;
    assert.equal(top.kind, 'manual-change', d.summary);
    assert.equal(top.stackKey, API);
    assert.equal(top.changeEvent?.principal, ALICE);
    assert.equal(top.changeEvent?.eventName, 'UpdateAutoScalingGroup');
    assert.equal(top.changeEvent?.id, `ev-${onset - 3 * MIN}`);
    // 0.95 (factor) x 0.95 (capacity) x (1 - 0.7 x 3/30) = 0.839
    assert.equal(top.confidence, 0.839);
    const text = top.evidence.join('\n');
    assert.match(text, /alice called UpdateAutoScalingGroup on svc-asg at .*, 3 min before the incident's onset/);
    assert.match(text, /set desiredCapacity = 1/);
    assert.match(d.summary, /Most likely \(0\.84\): manual change UpdateAutoScalingGroup to infra\/\.\/api by arn:aws:iam::123456789012:user\/alice/);
    assert.match(top.check, /drift check of infra\/\.\/api/);
  });

  it('counts a change within the grace minute after the onset, not one later', () => {
    assert.equal(manual([change(onset + 30_000)]).length, 1);
    assert.equal(manual([change(onset + 2 * MIN)]).length, 0);
  });

  it('ignores a change older than the look-back', () => {
    assert.equal(manual([change(onset - 31 * MIN)]).length, 0);
    assert.equal(manual([change(onset - 29 * MIN)]).length, 1);
  });

  it('trusts a change less the longer before the onset it was made', () => {
    const conf = (m: number) => manual([change(onset - m * MIN)])[0]!.confidence;
    assert.ok(conf(2) > conf(10) && conf(10) > conf(25));
  });

  it("ignores a change to another stack's resource", () => {
    assert.equal(manual([change(onset - 3 * MIN, { stackKeys: [DB] })]).length, 0);
  });

  it('ignores an Auto Scaling activity the service started by itself', () => {
    assert.equal(manual([change(onset - 3 * MIN, { kind: 'autoscaling', eventName: 'EC2 Instance Terminate Successful', principal: 'autoscaling.amazonaws.com', manual: false })]).length, 0);
  });

  it('weighs a removal above a capacity change above any other change', () => {
    const at = onset - 3 * MIN;
    const removal = manual([change(at, { eventName: 'TerminateInstances', parameters: {} })])[0]!.confidence;
    const capacity = manual([change(at)])[0]!.confidence;
    const other = manual([change(at, { eventName: 'CreateOrUpdateTags', parameters: { tags: [] } })])[0]!.confidence;
    assert.ok(removal > capacity && capacity > other, `${removal} ${capacity} ${other}`);
  });

  it('ranks above a version deployed at the same time: the change outside Git had no review', () => {
    const at = onset - 3 * MIN;
    const d = diagnose(cpu, {
      topology: topology(),
      changes: [change(at, { eventName: 'TerminateInstances', parameters: {} })],
      deployments: [{ stackKey: API, commit: 'c0ffee0000000000000000000000000000000000', appliedAt: at, changes: [{ resource: 'svc', path: 'version', old: '1', new: '2', op: 'update' }] }],
    });
    assert.deepEqual(d.causes.map((c) => c.kind).slice(0, 2), ['manual-change', 'deployment']);
  });
});
