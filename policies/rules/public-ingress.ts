import type { ResourceValidationPolicy } from '@pulumi/policy';
import { TYPES, asArray, asRecord, type Props } from './resource-kinds.ts';

export interface PublicIngressConfig {
  /** Ports that may be open to the internet, and only on a load balancer's security group; default 80, 443. */
  publicPorts: number[];
  /** Value of the `role` tag that marks a load balancer's security group; default `load-balancer`. */
  loadBalancerRole: string;
}

const OPEN = new Set(['0.0.0.0/0', '::/0']);

interface Ingress {
  fromPort: number;
  toPort: number;
  open: boolean;
}

function ingressRules(type: string, props: Props): Ingress[] {
  const port = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));
  const isOpen = (rule: Props) =>
    [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks), rule.cidrIpv4, rule.cidrIpv6].some(
      (c) => typeof c === 'string' && OPEN.has(c),
    );
  if (type === TYPES.securityGroup) {
    return asArray(props.ingress).flatMap((r) => {
      const rule = asRecord(r);
      return rule ? [{ fromPort: port(rule.fromPort), toPort: port(rule.toPort), open: isOpen(rule) }] : [];
    });
  }
  if (type === TYPES.securityGroupRule && props.type === 'ingress') {
    return [{ fromPort: port(props.fromPort), toPort: port(props.toPort), open: isOpen(props) }];
  }
  if (type === TYPES.ingressRule) {
    return [{ fromPort: port(props.fromPort), toPort: port(props.toPort), open: isOpen(props) }];
  }
  return [];
}

export const publicIngress: ResourceValidationPolicy = {
  name: 'no-public-ingress',
  description: 'No security group is open to the internet, except HTTP and HTTPS on a load balancer.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      publicPorts: { type: 'array', items: { type: 'integer' }, default: [80, 443] },
      loadBalancerRole: { type: 'string', default: 'load-balancer' },
    },
  },
  validateResource: (args, report) => {
    const cfg = args.getConfig<PublicIngressConfig>();
    const isLoadBalancer = asRecord(args.props.tags)?.role === cfg.loadBalancerRole;
    for (const rule of ingressRules(args.type, args.props)) {
      if (!rule.open) continue;
      const allowed = isLoadBalancer && rule.fromPort === rule.toPort && cfg.publicPorts.includes(rule.fromPort);
      if (!allowed) {
        const ports = rule.fromPort === rule.toPort ? `port ${rule.fromPort}` : `ports ${rule.fromPort}-${rule.toPort}`;
        report(`${args.name}: ${ports} is open to the internet (0.0.0.0/0)${isLoadBalancer ? '' : ' on a group that is not a load balancer\'s'}`);
      }
    }
  },
};
