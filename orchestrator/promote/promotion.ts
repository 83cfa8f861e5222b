import { z } from 'zod';

/**
 * One change's way through a repository's promotion waves: the record the
 * store keeps per (repository, commit), read back through
 * {@link PromotionSchema}. Changed only through the pure functions of this
 * folder, so its state, its waves and its halt always agree.
 */

export const WaveStateSchema = z.enum([
  /** An earlier wave has not passed yet. */
  'waiting',
  /** Its applies of the commit are queued or running. */
  'applying',
  /** Applied; its health is being watched for the soak window. */
  'soaking',
  /** Applied and healthy for the whole window, or nothing of it changed, or an operator let it pass. */
  'passed',
  /** An apply failed or its health turned abnormal while soaking. */
  'halted',
]);
export type WaveState = z.infer<typeof WaveStateSchema>;

export const PromotionWaveSchema = z.object({
  name: z.string(),
  state: WaveStateSchema,
  /** The wave's stacks the commit changes (stack keys), as the intake found them. */
  stacks: z.array(z.string()),
  soakStartedAt: z.number().optional(),
  passedAt: z.number().optional(),
  /** Incidents already open on its stacks when its turn came (before it applied): not this change's doing. */
  baseline: z.array(z.string()).default([]),
  /** When the baseline was taken: the first look after the waves before it passed. */
  baselineAt: z.number().optional(),
  /** One line for a person: why it stands where it stands. */
  note: z.string().optional(),
  /**
   * How each of its stacks' applies of the commit stood at the wave's last look (pending,
   * applied, failed, superseded): kept so a person sees which stacks applied without asking
   * the queues again. Absent until the wave's turn came.
   */
  applies: z.record(z.string(), z.enum(['pending', 'applied', 'failed', 'superseded'])).optional(),
});
export type PromotionWave = z.infer<typeof PromotionWaveSchema>;

const ByWhomSchema = z.object({ by: z.string(), at: z.number() });

export const PromotionSchema = z.object({
  repo: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  createdAt: z.number(),
  updatedAt: z.number(),
  state: z.enum(['running', 'paused', 'halted', 'done']),
  waves: z.array(PromotionWaveSchema).min(1),
  soakMs: z.number().int().positive(),
  /** When the intake had queued every job of the commit: before, a stack without a job is still to be queued. */
  queuedAt: z.number().optional(),
  paused: ByWhomSchema.optional(),
  /** Why it stopped: the wave, the incident when health turned, and a line naming the commit. */
  halt: z.object({ wave: z.string(), at: z.number(), reason: z.string(), incidentId: z.string().optional(), stackKey: z.string().optional() }).optional(),
  /** The operator's resumes, oldest first. */
  resumes: z.array(ByWhomSchema.extend({ note: z.string() })).default([]),
});
export type Promotion = z.infer<typeof PromotionSchema>;
