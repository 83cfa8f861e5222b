import assert from 'node:assert/strict';
import { POLICIES } from '../../../policies/policies.ts';
import { allowedSizes } from '../../../policies/rules/allowed-sizes.ts';
import { capacityBounds } from '../../../policies/rules/capacity-bounds.ts';
import { k8sPrivileged, k8sResources } from '../../../policies/rules/k8s-containers.ts';
import { publicIngress } from '../../../policies/rules/public-ingress.ts';
import { requiredTags } from '../../../policies/rules/required-tags.ts';
import { stepChange, stepViolation } from '../../../policies/rules/step-change.ts';
import { SANDBOX_SERVICE_TYPE } from '../../../stacks/sandbox/instance-sizes.ts';
import { violations } from '../../support/policy-harness.ts';

const TAGS = { owner: 'team', 'cost-center': 'cc-1' };
const sandbox = (props: Record<string, unknown>) => ({
  type: SANDBOX_SERVICE_TYPE,
  name: 'checkout',
  props: { name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1', tags: TAGS, ...props },
});
const deployment = (container: Record<string, unknown>, replicas = 2) => ({
  type: 'kubernetes:apps/v1:Deployment',
  name: 'api',
  props: {
    metadata: { labels: TAGS },
    spec: { replicas, template: { spec: { containers: [{ name: 'api', image: 'x', ...container }] } } },
  },
});
const RESOURCES = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } };

describe('policies', () => {
  it('the pack has at least six policies, each with a unique name, mandatory by default', () => {
    assert.ok(POLICIES.length >= 6);
    assert.equal(new Set(POLICIES.map((p) => p.name)).size, POLICIES.length);
    for (const p of POLICIES) assert.equal(p.enforcementLevel, 'mandatory', p.name);
  });

  describe('required-tags', () => {
    it('passes a resource that names its owner and cost center', async () => {
      assert.deepEqual(await violations(requiredTags, sandbox({})), []);
    });
    it('names each missing tag', async () => {
      assert.deepEqual(await violations(requiredTags, sandbox({ tags: { owner: 'team' } })), [
        'checkout is missing required tag(s): cost-center',
      ]);
    });
    it('catches an AWS resource written without any tags', async () => {
      const found = await violations(requiredTags, { type: 'aws:lb/targetGroup:TargetGroup', name: 'tg', props: { port: 80 } });
      assert.deepEqual(found, ['tg is missing required tag(s): owner, cost-center']);
    });
    it('reads an Auto Scaling group\'s list of tags', async () => {
      const asgTags = [{ key: 'owner', value: 'team', propagateAtLaunch: true }, { key: 'cost-center', value: 'cc', propagateAtLaunch: true }];
      assert.deepEqual(await violations(requiredTags, { type: 'aws:autoscaling/group:Group', props: { tags: asgTags } }), []);
    });
    it('skips AWS types that cannot carry tags, and takes its keys from config', async () => {
      assert.deepEqual(await violations(requiredTags, { type: 'aws:autoscaling/policy:Policy', props: {} }), []);
      const found = await violations(requiredTags, sandbox({}), { requiredTags: ['owner', 'team-channel'] });
      assert.deepEqual(found, ['checkout is missing required tag(s): team-channel']);
    });
    it('checks Kubernetes labels', async () => {
      const found = await violations(requiredTags, { type: 'kubernetes:core/v1:Service', name: 'svc', props: { metadata: { labels: {} } } });
      assert.equal(found.length, 1);
    });
  });

  describe('capacity-within-bounds', () => {
    it('passes capacity within the platform limits', async () => {
      assert.deepEqual(await violations(capacityBounds, sandbox({ capacity: 20 })), []);
    });
    it('rejects capacity above the limit from config', async () => {
      assert.deepEqual(await violations(capacityBounds, sandbox({ capacity: 9 }), { maxCapacity: 8 }), [
        'checkout: capacity 9 is above the platform limit of 8',
      ]);
    });
    it('rejects an Auto Scaling group whose desired size lies outside its own range', async () => {
      const found = await violations(capacityBounds, {
        type: 'aws:autoscaling/group:Group',
        name: 'asg',
        props: { minSize: 2, maxSize: 4, desiredCapacity: 6 },
      });
      assert.deepEqual(found, ['asg: desired capacity 6 is above its maximum 4']);
    });
    it('rejects zero replicas below the floor', async () => {
      const found = await violations(capacityBounds, deployment({ resources: RESOURCES }, 0));
      assert.deepEqual(found, ['api: capacity 0 is below the platform floor of 1']);
    });
  });

  describe('allowed-instance-sizes', () => {
    it('allows approved sizes and rejects others, listing the allowed ones', async () => {
      assert.deepEqual(await violations(allowedSizes, sandbox({ instanceSize: 'large' })), []);
      assert.deepEqual(await violations(allowedSizes, sandbox({ instanceSize: 'xlarge' })), [
        'checkout: instance size xlarge is not allowed (allowed: small, medium, large)',
      ]);
      const lt = { type: 'aws:ec2/launchTemplate:LaunchTemplate', name: 'lt', props: { instanceType: 'p4d.24xlarge' } };
      assert.equal((await violations(allowedSizes, lt)).length, 1);
      assert.deepEqual(await violations(allowedSizes, lt, { allowedInstanceTypes: ['p4d.24xlarge'] }), []);
    });
  });

  describe('no-public-ingress', () => {
    const sg = (tags: Record<string, string>, ingress: unknown[]) => ({
      type: 'aws:ec2/securityGroup:SecurityGroup',
      name: 'sg',
      props: { tags, ingress },
    });
    const open = (port: number) => ({ protocol: 'tcp', fromPort: port, toPort: port, cidrBlocks: ['0.0.0.0/0'] });
    it('allows 80 and 443 from anywhere on a load balancer', async () => {
      assert.deepEqual(await violations(publicIngress, sg({ role: 'load-balancer' }, [open(80), open(443)])), []);
    });
    it('rejects SSH open to the internet, even on a load balancer', async () => {
      assert.deepEqual(await violations(publicIngress, sg({ role: 'load-balancer' }, [open(22)])), [
        'sg: port 22 is open to the internet (0.0.0.0/0)',
      ]);
    });
    it('rejects 443 open to the internet on an instance group', async () => {
      const found = await violations(publicIngress, sg({ role: 'app' }, [open(443)]));
      assert.match(found[0] ?? '', /port 443 is open to the internet .* not a load balancer/);
    });
    it('allows traffic from another security group', async () => {
      const found = await violations(publicIngress, sg({}, [{ fromPort: 8080, toPort: 8080, securityGroups: ['sg-lb'] }]));
      assert.deepEqual(found, []);
    });
    it('checks standalone ingress rules too', async () => {
      const rule = { type: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', name: 'r', props: { fromPort: 0, toPort: 65535, cidrIpv4: '0.0.0.0/0' } };
      assert.equal((await violations(publicIngress, rule)).length, 1);
    });
  });

  describe('k8s-requests-and-limits and k8s-no-privileged', () => {
    it('pass a container with requests, limits and no privileges', async () => {
      assert.deepEqual(await violations(k8sResources, deployment({ resources: RESOURCES })), []);
      assert.deepEqual(await violations(k8sPrivileged, deployment({ resources: RESOURCES })), []);
    });
    it('name what a container leaves unset', async () => {
      const found = await violations(k8sResources, deployment({ resources: { requests: { cpu: '100m' } } }));
      assert.deepEqual(found, ['api: container api does not set requests.memory, limits.cpu, limits.memory']);
    });
    it('reject a privileged container', async () => {
      const found = await violations(k8sPrivileged, deployment({ securityContext: { privileged: true } }));
      assert.deepEqual(found, ['api: container api runs privileged']);
    });
  });

  describe('max-capacity-step', () => {
    it('allows at most doubling or halving by default', () => {
      assert.equal(stepViolation(2, 4, 2), undefined);
      assert.equal(stepViolation(4, 2, 2), undefined);
      assert.match(stepViolation(2, 5, 2) ?? '', /grows from 2 to 5/);
      assert.match(stepViolation(8, 3, 2) ?? '', /shrinks from 8 to 3/);
    });
    it('compares with the baseline the preview was given', async () => {
      assert.deepEqual(await violations(stepChange, sandbox({ capacity: 4 }), { baselines: { checkout: 2 } }), []);
      assert.deepEqual(await violations(stepChange, sandbox({ capacity: 5 }), { baselines: { checkout: 2 } }), [
        'checkout: capacity grows from 2 to 5, more than 2x in one update',
      ]);
      assert.deepEqual(await violations(stepChange, sandbox({ capacity: 5 }), { baselines: { checkout: 2 }, maxStepRatio: 3 }), []);
    });
    it('has nothing to compare with on a first deploy', async () => {
      assert.deepEqual(await violations(stepChange, sandbox({ capacity: 12 })), []);
    });
  });
});
