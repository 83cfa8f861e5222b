import type { ResourceValidationPolicy } from '@pulumi/policy';
import { allowedSizes } from './rules/allowed-sizes.ts';
import { capacityBounds } from './rules/capacity-bounds.ts';
import { k8sPrivileged, k8sResources } from './rules/k8s-containers.ts';
import { publicIngress } from './rules/public-ingress.ts';
import { requiredTags } from './rules/required-tags.ts';
import { stepChange } from './rules/step-change.ts';

/** Every policy of the pack, in the order the engine reports them. */
export const POLICIES: ResourceValidationPolicy[] = [
  requiredTags,
  capacityBounds,
  allowedSizes,
  publicIngress,
  k8sResources,
  k8sPrivileged,
  stepChange,
];
