/**
 * EventBridge events as an SQS target receives them, in the shapes AWS documents
 * ("AWS API Call via CloudTrail"; Auto Scaling "EC2 Instance ... Successful").
 */
export const ASG = 'web-asg-7f3a';
export const ASG_ARN = `arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:1a2b3c4d-0000-4000-8000-000000000001:autoScalingGroupName/${ASG}`;

export function cloudTrailEvent(overrides: { id?: string; time?: string; eventName?: string; userIdentity?: Record<string, unknown>; requestParameters?: Record<string, unknown>; readOnly?: boolean; errorCode?: string } = {}) {
  return {
    version: '0',
    id: overrides.id ?? 'ev-1',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: overrides.time ?? '2026-12-01T22:10:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventSource: 'autoscaling.amazonaws.com',
      eventName: overrides.eventName ?? 'UpdateAutoScalingGroup',
      userIdentity: overrides.userIdentity ?? { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::123456789012:user/alice', userName: 'alice' },
      requestParameters: overrides.requestParameters ?? { autoScalingGroupName: ASG, desiredCapacity: 1, minSize: 1 },
      ...(overrides.readOnly !== undefined ? { readOnly: overrides.readOnly } : {}),
      ...(overrides.errorCode !== undefined ? { errorCode: overrides.errorCode } : {}),
    },
  };
}

export function autoScalingActivity(cause: string, id = 'ev-as-1') {
  return {
    version: '0',
    id,
    'detail-type': 'EC2 Instance Terminate Successful',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: '2026-12-01T22:11:00Z',
    region: 'eu-west-1',
    resources: [ASG_ARN, 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890'],
    detail: {
      StatusCode: 'InProgress',
      AutoScalingGroupName: ASG,
      ActivityId: '9d1e2f3a-0000-4000-8000-000000000002',
      Cause: cause,
      Description: 'Terminating EC2 instance: i-0abc1234def567890',
      EC2InstanceId: 'i-0abc1234def567890',
    },
  };
}
