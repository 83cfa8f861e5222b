import { z } from 'zod';
import { FreezeWindowSchema } from './freeze-window.ts';

/** A stack group whose `canary` must receive and verify a change before its other `members` get it. */
export const CanaryGroupSchema = z.object({
  name: z.string().min(1),
  /** Stack key of the canary. */
  canary: z.string().min(1),
  /** Stack keys that follow the canary (the canary itself may be listed too). */
  members: z.array(z.string().min(1)),
}).strict();
export type CanaryGroup = z.infer<typeof CanaryGroupSchema>;

/** How large one automated change may be. */
export const BlastRadiusSchema = z.object({
  /** Largest factor by which a numeric value may grow or shrink in one change; default 2 (at most double or halve). */
  maxStepRatio: z.number().min(1).default(2),
  /** Most rungs an ordered value (instance size) may move in one change; default 1. */
  maxLadderSteps: z.number().int().min(0).default(1),
  /** Most keys one change may touch; default 2. */
  maxKeys: z.number().int().min(1).default(2),
}).strict();
export type BlastRadius = z.infer<typeof BlastRadiusSchema>;

/**
 * The guardrails' settings; every field has a default, so `{}` parses to a
 * working config. Parse with {@link GuardrailConfigSchema} (errors name the field).
 */
export const GuardrailConfigSchema = z.object({
  /** Shortest time between two automated changes by one playbook to one stack; default 30 min. */
  cooldownMs: z.number().int().nonnegative().default(30 * 60_000),
  /** Most automated changes per hour to one stack; default 2. */
  maxChangesPerHourPerStack: z.number().int().nonnegative().default(2),
  /** Most automated changes per hour across all stacks; default 10. */
  maxChangesPerHourGlobal: z.number().int().nonnegative().default(10),
  blastRadius: BlastRadiusSchema.prefault({}),
  /** Canary groups; default none. */
  canaryGroups: z.array(CanaryGroupSchema).default([]),
  /** How recent a canary's verification must be to count; default 24 h. */
  canaryMaxAgeMs: z.number().int().positive().default(24 * 60 * 60_000),
  /** Automatic rollbacks in a row on one stack after which a person must look; default 3. */
  maxConsecutiveRollbacks: z.number().int().min(1).default(3),
  /** Spans with no automated change; default none. */
  freezeWindows: z.array(FreezeWindowSchema).default([]),
  /** Decide as usual but commit nothing: what would be automatic goes to review; default false. */
  dryRun: z.boolean().default(false),
  /** Stop every automated change: proposals are rejected; default false. */
  killSwitch: z.boolean().default(false),
  // Strict, like every section of the service config: a misspelled guardrail (`cooldownMS`) must stop the service, not be ignored.
}).strict();
export type GuardrailConfig = z.infer<typeof GuardrailConfigSchema>;
export type GuardrailConfigInput = z.input<typeof GuardrailConfigSchema>;

/** The defaults, for tests and callers that tweak one field. */
export function defaultGuardrailConfig(overrides: GuardrailConfigInput = {}): GuardrailConfig {
  return GuardrailConfigSchema.parse(overrides);
}
