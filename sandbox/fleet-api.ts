import { z } from 'zod';
import { INSTANCE_SIZES } from '../stacks/sandbox/instance-sizes.ts';

/**
 * The wire shapes of the fleet simulator's HTTP API: what the sandbox stack's
 * dynamic provider sends and reads back. Kept apart from the server so that
 * tests and the provider's own checks can share them.
 */

export const ServiceSpecSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter'),
  capacity: z.number().int().min(0).max(1000),
  instanceSize: z.enum(INSTANCE_SIZES),
  version: z.string().min(1).max(64),
  /** Size of the service's data volume, GiB; default 20. */
  volumeGiB: z.number().int().min(1).max(100_000).default(20),
  tags: z.record(z.string(), z.string()).default({}),
});
export type ServiceSpec = z.infer<typeof ServiceSpecSchema>;

export const ServiceSchema = ServiceSpecSchema.extend({
  id: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Bumped on every change, so a reader can tell two states apart. */
  generation: z.number().int(),
});
export type Service = z.infer<typeof ServiceSchema>;
