import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { readConfig } from '../config.ts';
import type { HealthSignal, StackContract } from '../contract.ts';

export const AwsWebConfigShape = {
  serviceName: z.string().regex(/^[a-z][a-z0-9-]{0,27}$/, 'lower-case, at most 28 characters (load balancer names are short)'),
  vpcId: z.string().startsWith('vpc-'),
  subnetIds: z.array(z.string().startsWith('subnet-')).min(2, 'an Application Load Balancer needs two subnets'),
  amiId: z.string().startsWith('ami-'),
  instanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/),
  /** Version of the application the instances run; passed to them in user data. */
  version: z.string().min(1),
  minSize: z.number().int().min(0),
  maxSize: z.number().int().min(1),
  desiredCapacity: z.number().int().min(0),
  /** Average CPU % the target-tracking policy aims for. */
  targetCpu: z.number().min(10).max(90).default(60),
  appPort: z.number().int().min(1).max(65535).default(8080),
  healthCheckPath: z.string().startsWith('/').default('/healthz'),
  /** Largest factor by which one change may grow or shrink capacity. */
  maxStepRatio: z.number().positive().default(2),
  /** Instance types a remediation may move to, smallest first. */
  instanceTypeLadder: z.array(z.string()).default(['t3.small', 't3.medium', 't3.large', 'm6i.large', 'm6i.xlarge']),
};
export type AwsWebConfig = z.infer<z.ZodObject<typeof AwsWebConfigShape>>;

/**
 * An AWS web service: an Application Load Balancer in front of an Auto
 * Scaling group, with target-tracking scaling and the CloudWatch alarms that
 * watch it (static thresholds and an anomaly-detection band on traffic).
 */
export function awsWebProgram(tags: Record<string, string>): Record<string, pulumi.Input<unknown>> {
  const cfg = readConfig('web', AwsWebConfigShape);
  return buildAwsWeb(cfg, tags);
}

/** The resources of {@link awsWebProgram} for an already validated config. */
export function buildAwsWeb(cfg: AwsWebConfig, tags: Record<string, string>): Record<string, pulumi.Input<unknown>> {
  if (!(cfg.minSize <= cfg.desiredCapacity && cfg.desiredCapacity <= cfg.maxSize)) {
    throw new Error(
      `invalid stack config: web:desiredCapacity (${cfg.desiredCapacity}) must lie within web:minSize (${cfg.minSize}) and web:maxSize (${cfg.maxSize})`,
    );
  }
  const name = cfg.serviceName;

  const lbSg = new aws.ec2.SecurityGroup(`${name}-lb`, {
    vpcId: cfg.vpcId,
    description: `Load balancer of ${name}`,
    ingress: [
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidrBlocks: ['0.0.0.0/0'], description: 'HTTP' },
      { protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'], description: 'HTTPS' },
    ],
    egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
    tags: { ...tags, role: 'load-balancer', Name: `${name}-lb` },
  });

  const appSg = new aws.ec2.SecurityGroup(`${name}-app`, {
    vpcId: cfg.vpcId,
    description: `Instances of ${name}; reachable from the load balancer only`,
    ingress: [{ protocol: 'tcp', fromPort: cfg.appPort, toPort: cfg.appPort, securityGroups: [lbSg.id] }],
    egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
    tags: { ...tags, role: 'app', Name: `${name}-app` },
  });

  const alb = new aws.lb.LoadBalancer(name, {
    loadBalancerType: 'application',
    securityGroups: [lbSg.id],
    subnets: cfg.subnetIds,
    tags,
  });

  const targetGroup = new aws.lb.TargetGroup(name, {
    vpcId: cfg.vpcId,
    port: cfg.appPort,
    protocol: 'HTTP',
    targetType: 'instance',
    healthCheck: { path: cfg.healthCheckPath, healthyThreshold: 2, unhealthyThreshold: 3, interval: 15 },
    tags,
  });

  new aws.lb.Listener(`${name}-http`, {
    loadBalancerArn: alb.arn,
    port: 80,
    protocol: 'HTTP',
    defaultActions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
    tags,
  });

  const userData = [
    '#!/bin/sh',
    `echo 'APP_VERSION=${cfg.version}' >> /etc/environment`,
    `echo 'APP_PORT=${cfg.appPort}' >> /etc/environment`,
  ].join('\n');
  const launchTemplate = new aws.ec2.LaunchTemplate(name, {
    imageId: cfg.amiId,
    instanceType: cfg.instanceType,
    vpcSecurityGroupIds: [appSg.id],
    userData: Buffer.from(userData).toString('base64'),
    metadataOptions: { httpTokens: 'required' },
    tagSpecifications: [{ resourceType: 'instance', tags: { ...tags, version: cfg.version } }],
    tags: { ...tags, version: cfg.version },
  });

  const asg = new aws.autoscaling.Group(name, {
    minSize: cfg.minSize,
    maxSize: cfg.maxSize,
    desiredCapacity: cfg.desiredCapacity,
    vpcZoneIdentifiers: cfg.subnetIds,
    targetGroupArns: [targetGroup.arn],
    healthCheckType: 'ELB',
    healthCheckGracePeriod: 120,
    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
    // A new launch template version replaces instances gradually, keeping 90% serving.
    instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 90 } },
    tags: Object.entries({ ...tags, version: cfg.version }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
  });

  new aws.autoscaling.Policy(`${name}-cpu-target`, {
    autoscalingGroupName: asg.name,
    policyType: 'TargetTrackingScaling',
    targetTrackingConfiguration: {
      predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' },
      targetValue: cfg.targetCpu,
    },
  });

  const highCpu = new aws.cloudwatch.MetricAlarm(`${name}-high-cpu`, {
    name: `${name}-high-cpu`,
    namespace: 'AWS/EC2',
    metricName: 'CPUUtilization',
    dimensions: { AutoScalingGroupName: asg.name },
    statistic: 'Average',
    period: 60,
    evaluationPeriods: 5,
    threshold: 85,
    comparisonOperator: 'GreaterThanThreshold',
    alarmDescription: `${name}: CPU above 85% for 5 minutes`,
    tags,
  });

  const high5xx = new aws.cloudwatch.MetricAlarm(`${name}-high-5xx`, {
    name: `${name}-high-5xx`,
    namespace: 'AWS/ApplicationELB',
    metricName: 'HTTPCode_Target_5XX_Count',
    dimensions: { LoadBalancer: alb.arnSuffix },
    statistic: 'Sum',
    period: 60,
    evaluationPeriods: 3,
    threshold: 50,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmDescription: `${name}: more than 50 server errors a minute for 3 minutes`,
    tags,
  });

  // CloudWatch learns the usual band of traffic; the alarm fires outside it.
  const trafficAnomaly = new aws.cloudwatch.MetricAlarm(`${name}-traffic-anomaly`, {
    name: `${name}-traffic-anomaly`,
    comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
    evaluationPeriods: 3,
    thresholdMetricId: 'band',
    treatMissingData: 'notBreaching',
    alarmDescription: `${name}: request count outside its learned band`,
    metricQueries: [
      {
        id: 'requests',
        returnData: true,
        metric: {
          namespace: 'AWS/ApplicationELB',
          metricName: 'RequestCount',
          dimensions: { LoadBalancer: alb.arnSuffix },
          stat: 'Sum',
          period: 300,
        },
      },
      { id: 'band', expression: 'ANOMALY_DETECTION_BAND(requests, 2)', label: 'RequestCount (expected)', returnData: true },
    ],
    tags,
  });

  const contract = pulumi
    .all([asg.name, alb.arnSuffix, highCpu.name, high5xx.name, trafficAnomaly.name])
    .apply(([asgName, lbSuffix, ...alarms]): StackContract => {
      const signal = (s: Omit<HealthSignal, 'period' | 'resource'> & { resource?: string }): HealthSignal => ({
        period: 60,
        resource: s.resource ?? name,
        ...s,
      });
      return {
        kind: 'aws-web',
        healthSignals: [
          signal({ id: 'cpu', namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: { AutoScalingGroupName: asgName }, stat: 'Average', role: 'utilisation', higherIsWorse: true, limit: 100, resource: `${name}-asg` }),
          signal({ id: 'latency', namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: lbSuffix }, stat: 'p95', role: 'latency', higherIsWorse: true, resource: `${name}-alb` }),
          signal({ id: 'errors', namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: { LoadBalancer: lbSuffix }, stat: 'Sum', role: 'errors', higherIsWorse: true, resource: `${name}-alb` }),
          signal({ id: 'requests', namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: { LoadBalancer: lbSuffix }, stat: 'Sum', role: 'demand', higherIsWorse: false, resource: `${name}-alb` }),
        ],
        alarms,
        remediable: [
          { key: 'web:desiredCapacity', purpose: 'capacity', resource: name, type: 'integer', min: cfg.minSize, max: cfg.maxSize, current: cfg.desiredCapacity, maxStepRatio: cfg.maxStepRatio },
          { key: 'web:instanceType', purpose: 'size', type: 'enum', values: cfg.instanceTypeLadder, current: cfg.instanceType },
          { key: 'web:version', purpose: 'version', type: 'string', current: cfg.version },
        ],
      };
    });

  return {
    url: pulumi.interpolate`http://${alb.dnsName}`,
    autoScalingGroup: asg.name,
    homeostat: contract,
  };
}
