import { PolicyPack } from '@pulumi/policy';
import { POLICIES } from './policies.ts';

// The engine loads this module as the policy pack `homeostat`.
new PolicyPack('homeostat', { policies: POLICIES });
