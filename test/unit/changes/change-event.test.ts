import assert from 'node:assert/strict';
import { parseChangeMessage } from '../../../orchestrator/changes/change-event.ts';
import { ASG, ASG_ARN, autoScalingActivity, cloudTrailEvent } from './events.ts';

function parse(body: unknown) {
  return parseChangeMessage(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('change events: parsing', () => {
  it('reads who, what and which resource from a CloudTrail API call', () => {
    const r = parse(cloudTrailEvent());
    assert.ok(r.ok);
    assert.equal(r.event.kind, 'api-call');
    assert.equal(r.event.eventName, 'UpdateAutoScalingGroup');
    assert.equal(r.event.principal, 'arn:aws:iam::123456789012:user/alice');
    assert.equal(r.event.manual, true);
    assert.equal(r.event.at, Date.parse('2026-12-01T22:10:00Z'));
    assert.deepEqual(r.event.resources, [ASG]);
    assert.deepEqual(r.event.parameters, { autoScalingGroupName: ASG, desiredCapacity: 1, minSize: 1 });
  });

  it('names an assumed role by its ARN and a call made by an AWS service as not manual', () => {
    const role = parse(cloudTrailEvent({ userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/ops/bob' } }));
    assert.ok(role.ok);
    assert.equal(role.event.principal, 'arn:aws:sts::123456789012:assumed-role/ops/bob');
    const service = parse(cloudTrailEvent({ userIdentity: { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' } }));
    assert.ok(service.ok);
    assert.equal(service.event.manual, false);
    assert.equal(service.event.principal, 'autoscaling.amazonaws.com');
  });

  it('keeps secrets in request parameters out of the event', () => {
    const r = parse(cloudTrailEvent({ eventName: 'PutParameter', requestParameters: { name: '/app/db', value: 'x', password: 'hunter2-hunter2' } }));
    assert.ok(r.ok);
    assert.equal(r.event.parameters.password, '[redacted]');
    assert.doesNotMatch(JSON.stringify(r.event), /hunter2/);
  });

  it('skips read-only and failed calls as not changes', () => {
    const ro = parse(cloudTrailEvent({ eventName: 'DescribeAutoScalingGroups', readOnly: true }));
    assert.deepEqual(ro.ok ? undefined : ro.reason, 'not-a-change');
    const failed = parse(cloudTrailEvent({ errorCode: 'AccessDenied' }));
    assert.ok(!failed.ok);
    assert.equal(failed.reason, 'not-a-change');
    assert.match(failed.message, /AccessDenied/);
  });

  it('reads an Auto Scaling activity, manual only when its cause is a user request', () => {
    const user = parse(autoScalingActivity('At 2026-12-01T22:10:58Z a user request update of AutoScalingGroup constraints to min: 1, max: 4, desired: 1 changing the desired capacity from 3 to 1.'));
    assert.ok(user.ok);
    assert.equal(user.event.kind, 'autoscaling');
    assert.equal(user.event.manual, true);
    assert.ok(user.event.resources.includes(ASG_ARN) && user.event.resources.includes(ASG));
    assert.match(String(user.event.parameters.Cause), /desired capacity from 3 to 1/);
    const policy = parse(autoScalingActivity('At 2026-12-01T22:10:58Z a monitor alarm cpu-low in state ALARM triggered policy scale-in changing the desired capacity from 3 to 2.'));
    assert.ok(policy.ok);
    assert.equal(policy.event.manual, false);
  });

  it('names the field of a malformed event', () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /not JSON/],
      [{ ...cloudTrailEvent(), id: undefined }, /event\.id/],
      [{ ...cloudTrailEvent(), time: 'yesterday' }, /event\.time: must be an ISO 8601 time/],
      [{ ...cloudTrailEvent(), detail: { ...cloudTrailEvent().detail, eventName: undefined } }, /event ev-1: detail\.eventName/],
      [{ ...autoScalingActivity('x'), detail: { Cause: 'x' } }, /detail\.AutoScalingGroupName/],
    ];
    for (const [body, message] of cases) {
      const r = parse(body);
      assert.ok(!r.ok, String(message));
      assert.equal(r.reason, 'invalid');
      assert.match(r.message, message);
    }
  });

  it('skips a detail-type it does not know, naming it', () => {
    const r = parse({ ...cloudTrailEvent(), 'detail-type': 'EC2 Spot Instance Interruption Warning' });
    assert.ok(!r.ok);
    assert.equal(r.reason, 'not-a-change');
    assert.match(r.message, /Spot Instance Interruption/);
  });
});
