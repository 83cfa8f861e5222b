import { z } from 'zod';

/** pino's levels, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The operational log: `level` (default `info`); `format` `json` (one pino
 * object per line, default) or `text` (one readable line per entry, for a
 * terminal).
 */
export const LogConfigSchema = z
  .object({
    level: z.enum(LOG_LEVELS).default('info'),
    format: z.enum(['json', 'text']).default('json'),
  })
  .strict()
  .default({ level: 'info', format: 'json' });
export type LogConfig = z.infer<typeof LogConfigSchema>;
