import { z } from 'zod';

/**
 * A repository's promotion waves: a change to its deploy branch reaches wave
 * N+1 only after wave N applied it and stayed healthy for the soak window
 * (`promote/`). Each wave names its stacks by globs; a stack belongs to the
 * first wave that matches it, so `prod-canary` before `prod-*` is the canary.
 */

/** A stack-name glob: `*` any run of characters but `/`, `?` one. With a `/`, it matches `project/stack`. */
export const StackGlobSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.*?-]+(\/[A-Za-z0-9_.*?-]+)?$/, 'a stack-name glob: letters, digits, _ . - and the wildcards * and ?, optionally project/stack');

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** A duration: seconds as a number, or `30s`, `10m`, `2h`; read as milliseconds. */
export const DurationSchema = z
  .union([z.number().int().min(1, 'at least one second'), z.string().regex(/^[1-9][0-9]*(s|m|h)$/, 'a duration such as 90s, 10m or 2h, or a number of seconds')])
  .transform((v) => (typeof v === 'number' ? v * 1000 : Number(v.slice(0, -1)) * UNIT_MS[v.slice(-1)]!))
  .refine((ms) => ms <= 7 * 24 * 3_600_000, 'at most a week');

export const WaveConfigSchema = z
  .object({
    /** Shown in the API and the CLI: letters, digits, _ . - */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a wave name: letters, digits, _ . -, starting with a letter or digit'),
    stacks: z.array(StackGlobSchema).min(1, 'name the stacks of the wave (globs such as prod-*)'),
  })
  .strict();

export const PromotionConfigSchema = z
  .object({
    waves: z.array(WaveConfigSchema).min(2, 'a promotion needs at least two waves'),
    /** How long a wave's health signals must stay normal after it applied a change before the next wave may apply it; default 10m. */
    soak: DurationSchema.default(600_000),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.waves.forEach((w, i) => {
      if (seen.has(w.name)) ctx.addIssue({ code: 'custom', path: ['waves', i, 'name'], message: `duplicate wave name ${w.name}` });
      seen.add(w.name);
    });
  });

export type PromotionConfig = z.output<typeof PromotionConfigSchema>;
