/** Instance sizes of the sandbox fleet, smallest first; each step doubles what one instance can serve. */
export const INSTANCE_SIZES = ['small', 'medium', 'large', 'xlarge'] as const;
export type InstanceSize = (typeof INSTANCE_SIZES)[number];

/** Pulumi type token of the sandbox service (a dynamic resource in module `homeostat`). */
export const SANDBOX_SERVICE_TYPE = 'pulumi-nodejs:dynamic/homeostat:SandboxService';
