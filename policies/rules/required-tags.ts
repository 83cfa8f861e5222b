import type { ResourceValidationPolicy } from '@pulumi/policy';
import { TYPES, tagsOf } from './resource-kinds.ts';

export interface RequiredTagsConfig {
  /** Tag (or label) keys every taggable resource must carry; default `owner`, `cost-center`. */
  requiredTags: string[];
}

/**
 * AWS types that cannot carry tags. Every other AWS type is checked, so a
 * resource written without any `tags` at all is caught too.
 */
export const UNTAGGABLE_AWS_TYPES: ReadonlySet<string> = new Set([
  'aws:autoscaling/policy:Policy',
  'aws:autoscaling/attachment:Attachment',
  'aws:ec2/securityGroupRule:SecurityGroupRule',
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  'aws:lb/targetGroupAttachment:TargetGroupAttachment',
  'aws:cloudwatch/dashboard:Dashboard',
]);

/** Types whose tags the rule checks: AWS resources, the sandbox service and Kubernetes objects. */
function isTaggable(type: string): boolean {
  if (type === TYPES.sandboxService || type.startsWith('kubernetes:')) return true;
  return type.startsWith('aws:') && !UNTAGGABLE_AWS_TYPES.has(type);
}

export const requiredTags: ResourceValidationPolicy = {
  name: 'required-tags',
  description: 'Every taggable resource names its owner and cost center, so each cost and incident has someone to go to.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      requiredTags: { type: 'array', items: { type: 'string' }, default: ['owner', 'cost-center'] },
    },
  },
  validateResource: (args, report) => {
    if (!isTaggable(args.type)) return;
    const tags = tagsOf(args.type, args.props);
    const { requiredTags: keys } = args.getConfig<RequiredTagsConfig>();
    const missing = keys.filter((k) => typeof tags?.[k] !== 'string' || tags[k] === '');
    if (missing.length > 0) {
      report(`${args.name} is missing required tag(s): ${missing.join(', ')}`);
    }
  },
};
