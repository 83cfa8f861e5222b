import { z } from 'zod';
import type { Secret } from './secret.ts';
import { SecretRefSchema, type SecretRef } from './secret-ref.ts';

/**
 * The `traces` section: the OTLP/HTTP receiver (`POST /v1/traces`) and the
 * span aggregation behind it. Off by default.
 */
export const TracesConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /**
     * The bearer token span senders present; required when `auth` uses
     * tokens. Its own: an API token is not accepted on the receiver, and
     * this one opens nothing else.
     */
    ingestToken: SecretRefSchema.optional(),
    /** The stack each service (`service.name`) runs in, for services whose spans carry no `homeostat.stack` attribute. */
    services: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Length of one aggregation period, in seconds; default 60. */
    periodSeconds: z.number().int().min(10).max(3600).default(60),
    /** How long after a period ends its spans may still arrive, in seconds; default 15. */
    settleSeconds: z.number().int().min(0).max(600).default(15),
    /**
     * Several processes receive spans for this Redis prefix (`homeostat serve` on several hosts behind a
     * load balancer): each adds its spans to shared per-period partials in Redis and one process at a time
     * closes the periods. Off: each process aggregates its own spans in memory. Default false.
     */
    shared: z.boolean().default(false),
    /** Largest request body as sent, in bytes; default 4 MiB. */
    maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  })
  .strict()
  .default({ enabled: false, services: {}, periodSeconds: 60, settleSeconds: 15, shared: false, maxBodyBytes: 4 * 1024 * 1024 });

export type TracesConfigFile = z.infer<typeof TracesConfigSchema>;
export type TracesConfig = Omit<TracesConfigFile, 'ingestToken'> & { ingestToken?: Secret };

/** The section with its token read; a missing token where the API uses tokens is a problem naming the field. */
export function readTracesConfig(t: TracesConfigFile, tokenAuth: boolean, read: (ref: SecretRef, path: string) => Secret, problems: string[]): TracesConfig {
  const { ingestToken, ...rest } = t;
  if (t.enabled && tokenAuth && !ingestToken) problems.push('traces.ingestToken: required when auth uses tokens (span senders present it as Authorization: Bearer <token>)');
  return ingestToken ? { ...rest, ingestToken: read(ingestToken, 'traces.ingestToken') } : rest;
}
