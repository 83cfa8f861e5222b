import assert from 'node:assert/strict';
import { parseChangeMessage, type ChangeEvent } from '../../../orchestrator/changes/change-event.ts';
import { idForms, resourceIndex, stacksOfChange } from '../../../orchestrator/changes/stack-resources.ts';
import { ASG, autoScalingActivity, cloudTrailEvent } from './events.ts';

function event(body: unknown): ChangeEvent {
  const r = parseChangeMessage(JSON.stringify(body));
  assert.ok(r.ok);
  return r.event;
}

describe('change events: which stack', () => {
  const index = resourceIndex([
    { stackKey: 'infra/./web', outputs: { asgName: ASG, version: 'v2', homeostat: { healthSignals: [{ resource: ASG }] } } },
    { stackKey: 'infra/./db', outputs: { clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders-db' } },
    { stackKey: 'infra/./empty' },
  ]);

  it('maps a call to the stack whose outputs name its resource', () => {
    assert.deepEqual(stacksOfChange(event(cloudTrailEvent()), index), ['infra/./web']);
  });

  it('maps an activity by the resource part of an ARN', () => {
    assert.deepEqual(stacksOfChange(event(autoScalingActivity('x')), index), ['infra/./web']);
  });

  it('maps a call naming the short id to the stack that holds the ARN', () => {
    const e = event(cloudTrailEvent({ eventName: 'ModifyDBCluster', requestParameters: { dBClusterIdentifier: 'x', clusterName: 'orders-db' } }));
    assert.deepEqual(stacksOfChange(e, index), ['infra/./db']);
  });

  it('maps a change to a resource no stack names to none', () => {
    assert.deepEqual(stacksOfChange(event(cloudTrailEvent({ requestParameters: { autoScalingGroupName: 'someone-elses-asg' } })), index), []);
  });

  it('does not take short values such as a version for resource ids', () => {
    assert.deepEqual(stacksOfChange({ ...event(cloudTrailEvent()), resources: ['v2'] }, index), []);
  });

  it('gives the tail of an ARN as its short form', () => {
    assert.deepEqual(idForms('arn:aws:rds:eu-west-1:1:cluster:orders-db'), ['arn:aws:rds:eu-west-1:1:cluster:orders-db', 'orders-db']);
    assert.deepEqual(idForms('i-0abc'), ['i-0abc']);
  });
});
