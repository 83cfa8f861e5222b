import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

/**
 * Calls a policy's `validateResource` the way the engine would, with the
 * policy's schema defaults overlaid by `config`, and returns the violations.
 */
export async function violations(
  policy: ResourceValidationPolicy,
  resource: { type: string; name?: string; props: Record<string, unknown> },
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const defaults: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    if (typeof schema === 'object' && schema !== null && 'default' in schema) defaults[k] = schema.default;
  }
  const name = resource.name ?? 'res';
  const args = {
    type: resource.type,
    name,
    urn: `urn:pulumi:test::homeostat-infra::${resource.type}::${name}`,
    props: resource.props,
    opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: {} },
    stackTags: new Map<string, string>(),
    getConfig: () => ({ ...defaults, ...config }),
    isType: () => false,
    asType: () => undefined,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason ?? ''}`);
    },
  } as unknown as ResourceValidationArgs;
  const found: string[] = [];
  const validate = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  for (const v of validate) {
    await v?.(args, (message) => found.push(message));
  }
  return found;
}
