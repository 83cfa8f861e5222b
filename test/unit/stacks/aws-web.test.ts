import assert from 'node:assert/strict';
import { StackContractSchema } from '../../../stacks/contract.ts';
import { installMocks, ofType, runProgram } from '../../support/pulumi-mocks.ts';
import type { AwsWebConfig } from '../../../stacks/aws-web/index.ts';

const TAGS = { owner: 'storefront-team', 'cost-center': 'cc-2040', environment: 'prod', 'managed-by': 'homeostat' };

function config(overrides: Partial<AwsWebConfig> = {}): AwsWebConfig {
  return {
    serviceName: 'storefront',
    vpcId: 'vpc-1',
    subnetIds: ['subnet-a', 'subnet-b'],
    amiId: 'ami-123',
    instanceType: 't3.medium',
    version: 'v2.14.0',
    minSize: 2,
    maxSize: 12,
    desiredCapacity: 3,
    targetCpu: 60,
    appPort: 8080,
    healthCheckPath: '/healthz',
    maxStepRatio: 2,
    instanceTypeLadder: ['t3.small', 't3.medium', 't3.large'],
    ...overrides,
  };
}

describe('stacks/aws-web (Pulumi runtime mocks)', function () {
  // Loading @pulumi/aws takes a few seconds.
  this.timeout(60_000);
  let buildAwsWeb: typeof import('../../../stacks/aws-web/index.ts').buildAwsWeb;

  before(async () => {
    await installMocks('homeostat-infra', 'web-prod');
    ({ buildAwsWeb } = await import('../../../stacks/aws-web/index.ts'));
  });

  it('puts an ALB in front of an Auto Scaling group sized by config', async () => {
    const { resources } = await runProgram(() => buildAwsWeb(config(), TAGS));
    const [asg] = ofType(resources, 'aws:autoscaling/group:Group');
    assert.ok(asg, 'an Auto Scaling group');
    assert.equal(asg.inputs.minSize, 2);
    assert.equal(asg.inputs.maxSize, 12);
    assert.equal(asg.inputs.desiredCapacity, 3);
    assert.deepEqual(asg.inputs.vpcZoneIdentifiers, ['subnet-a', 'subnet-b']);
    assert.equal(ofType(resources, 'aws:lb/loadBalancer:LoadBalancer').length, 1);
    assert.equal(ofType(resources, 'aws:lb/listener:Listener')[0]?.inputs.port, 80);
    const [lt] = ofType(resources, 'aws:ec2/launchTemplate:LaunchTemplate');
    assert.equal(lt?.inputs.instanceType, 't3.medium');
    assert.match(Buffer.from(String(lt?.inputs.userData), 'base64').toString(), /APP_VERSION=v2\.14\.0/);
  });

  it('follows another config: bigger instances, a new version, more capacity', async () => {
    const { resources } = await runProgram(() =>
      buildAwsWeb(config({ instanceType: 'm6i.large', version: 'v3.0.0', desiredCapacity: 8, maxSize: 20 }), TAGS),
    );
    const [lt] = ofType(resources, 'aws:ec2/launchTemplate:LaunchTemplate');
    assert.equal(lt?.inputs.instanceType, 'm6i.large');
    assert.deepEqual((lt?.inputs.tags as Record<string, string>).version, 'v3.0.0');
    const [asg] = ofType(resources, 'aws:autoscaling/group:Group');
    assert.equal(asg?.inputs.desiredCapacity, 8);
    assert.equal(asg?.inputs.maxSize, 20);
  });

  it('opens only 80 and 443 to the internet, on the load balancer', async () => {
    const { resources } = await runProgram(() => buildAwsWeb(config(), TAGS));
    const groups = ofType(resources, 'aws:ec2/securityGroup:SecurityGroup');
    assert.equal(groups.length, 2);
    for (const sg of groups) {
      const open = (sg.inputs.ingress as { fromPort: number; cidrBlocks?: string[] }[]).filter((r) =>
        r.cidrBlocks?.includes('0.0.0.0/0'),
      );
      const role = (sg.inputs.tags as Record<string, string>).role;
      if (role === 'load-balancer') assert.deepEqual(open.map((r) => r.fromPort), [80, 443]);
      else assert.deepEqual(open, [], `${sg.name} has no public ingress`);
    }
  });

  it('watches CPU and errors with alarms, and traffic with an anomaly-detection band', async () => {
    const { resources } = await runProgram(() => buildAwsWeb(config(), TAGS));
    const alarms = ofType(resources, 'aws:cloudwatch/metricAlarm:MetricAlarm');
    assert.deepEqual(alarms.map((a) => a.name).sort(), ['storefront-high-5xx', 'storefront-high-cpu', 'storefront-traffic-anomaly']);
    const anomaly = alarms.find((a) => a.name === 'storefront-traffic-anomaly');
    assert.equal(anomaly?.inputs.comparisonOperator, 'LessThanLowerOrGreaterThanUpperThreshold');
    const queries = anomaly?.inputs.metricQueries as { id: string; expression?: string }[];
    assert.match(queries.find((q) => q.id === anomaly?.inputs.thresholdMetricId)?.expression ?? '', /^ANOMALY_DETECTION_BAND\(requests/);
    const [policy] = ofType(resources, 'aws:autoscaling/policy:Policy');
    assert.equal((policy?.inputs.targetTrackingConfiguration as { targetValue: number }).targetValue, 60);
  });

  it('tags every taggable resource with its owner and cost center', async () => {
    const { resources } = await runProgram(() => buildAwsWeb(config(), TAGS));
    for (const r of resources.filter((x) => x.inputs.tags !== undefined)) {
      const tags = Array.isArray(r.inputs.tags)
        ? Object.fromEntries((r.inputs.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]))
        : (r.inputs.tags as Record<string, string>);
      assert.equal(tags.owner, 'storefront-team', `${r.type} ${r.name}`);
      assert.equal(tags['cost-center'], 'cc-2040', `${r.type} ${r.name}`);
    }
  });

  it('exports its health signals and remediable keys in the Homeostat contract', async () => {
    const { outputs } = await runProgram(() => buildAwsWeb(config(), TAGS));
    const contract = StackContractSchema.parse(outputs.homeostat);
    assert.equal(contract.kind, 'aws-web');
    assert.deepEqual(contract.healthSignals.map((s) => s.id), ['cpu', 'latency', 'errors', 'requests']);
    assert.equal(contract.healthSignals[0]?.dimensions.AutoScalingGroupName, 'storefront-mock');
    assert.deepEqual(contract.remediable.find((k) => k.key === 'web:desiredCapacity'), {
      key: 'web:desiredCapacity', purpose: 'capacity', resource: 'storefront', type: 'integer', min: 2, max: 12, current: 3, maxStepRatio: 2,
    });
    assert.equal(contract.alarms.length, 3);
  });

  it('refuses a desired capacity outside its bounds, naming the keys', () => {
    assert.throws(() => buildAwsWeb(config({ desiredCapacity: 30 }), TAGS), /web:desiredCapacity \(30\).*web:maxSize \(12\)/);
  });
});
