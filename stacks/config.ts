import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';

/**
 * Reads one config namespace of the current stack and validates it, so a
 * wrong value in `stacks/Pulumi.<stack>.yaml` fails the preview with the key
 * and the reason instead of deploying something odd.
 */
export function readConfig<T extends z.ZodRawShape>(namespace: string, shape: T): z.infer<z.ZodObject<T>> {
  // Every key of the namespace, so a misspelt key is reported, not ignored.
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
    const [ns, key] = fullKey.split(':');
    if (ns !== namespace || key === undefined) continue;
    // Every value arrives as a string: keep it so when the field wants a
    // string (a quantity like "1"), otherwise read it as JSON (numbers, lists).
    const field = shape[key] as z.ZodType | undefined;
    raw[key] = field?.safeParse(text).success ? text : parseValue(text);
  }
  return parseConfig(namespace, shape, raw);
}

/** Numbers, booleans, lists and objects arrive JSON-encoded. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Pure half of {@link readConfig}: validates already-read values. */
export function parseConfig<T extends z.ZodRawShape>(
  namespace: string,
  shape: T,
  raw: Record<string, unknown>,
): z.infer<z.ZodObject<T>> {
  const parsed = z.object(shape).strict().safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${namespace}:${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid stack config:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/** Ownership tags every resource carries; the required-tags policy checks them. */
export const OwnershipShape = {
  kind: z.enum(['sandbox', 'aws-web', 'k8s-app']),
  owner: z.string().min(1),
  costCenter: z.string().min(1),
  environment: z.enum(['dev', 'staging', 'prod']).default('dev'),
};

export function ownershipTags(o: { owner: string; costCenter: string; environment: string }): Record<string, string> {
  return { owner: o.owner, 'cost-center': o.costCenter, environment: o.environment, 'managed-by': 'homeostat' };
}
