import { z } from 'zod';

/**
 * Where a secret is found: an environment variable or a file. Secrets are
 * never in the config file itself; `loadServiceConfig` reads them into
 * {@link import('./secret.ts').Secret}s.
 */
export const SecretRefSchema = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;
