import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { GuardrailConfigSchema } from '../decide/guardrail-config.ts';
import { Secret } from './secret.ts';

/**
 * The service's config: a YAML file plus environment variables, validated at
 * start-up. An invalid file stops the service with every wrong field named.
 * Secrets are never in the file: it says where to find them (`{env: NAME}` or
 * `{file: path}`), and they are read into {@link Secret}s.
 */
const SecretRefSchema = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

const RepoSchema = z
  .object({
    /** Short id used in stack keys and the API. */
    id: z.string().regex(/^[a-zA-Z0-9_.-]+$/),
    url: z.string().min(1),
    /** Branch whose pushes are applied; other refs are previewed only (pull requests). */
    deployBranch: z.string().min(1).default('main'),
    webhookSecret: SecretRefSchema.optional(),
    /** Forge whose webhooks this repository receives. */
    forge: z.enum(['github', 'gitlab', 'gitea']).optional(),
    /** Fallback poll of the deploy branch with `git ls-remote`, in seconds; 0 turns it off. Default 0. */
    pollIntervalSeconds: z.number().int().min(0).default(0),
    /** Stacks to manage, by name; default all stacks of every project in the repository. */
    stacks: z.array(z.string().min(1)).optional(),
    /** Policy pack folders in the repository. Default `[policies]`. */
    policyPacks: z.array(z.string()).default(['policies']),
    drift: z
      .object({
        /** Refresh-only preview of every stack at this interval, in seconds; 0 turns drift detection off. */
        intervalSeconds: z.number().int().min(0).default(0),
        /** `report` records drift; `reconcile` also applies the last applied commit again. */
        action: z.enum(['report', 'reconcile']).default('report'),
      })
      .strict()
      .default({ intervalSeconds: 0, action: 'report' }),
  })
  .strict();

export const ServiceConfigSchema = z
  .object({
    redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
    /** Prefix of every Redis key and queue; lets several installations share one Redis. */
    redisPrefix: z.string().regex(/^[a-zA-Z0-9_-]+$/).default('homeostat'),
    listen: z.object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8080) }).strict().default({ host: '127.0.0.1', port: 8080 }),
    /** Caches (mirrors, worktrees, dependencies) and local state. */
    dataDir: z.string().default('.homeostat/data'),
    pulumi: z
      .object({
        backendUrl: z.string().regex(/^(file|s3|gs|azblob):\/\//, 'a self-managed backend URL (file://, s3://, gs://, azblob://)'),
        passphrase: SecretRefSchema,
        /** Folder holding pulumi and pulumi-language-nodejs; default: the set-up's cache. */
        pulumiDir: z.string().optional(),
        /** More environment for the engine and the programs. */
        env: z.record(z.string(), z.string()).default({}),
      })
      .strict(),
    policy: z
      .object({
        /** Policy config by policy name, for example `{max-capacity-step: {maxStepRatio: 2}}`. */
        config: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
      })
      .strict()
      .default({ config: {} }),
    concurrency: z.object({ deploy: z.number().int().min(1).max(64).default(4) }).strict().default({ deploy: 4 }),
    /**
     * Lease of a worker on a stack and on a job, in seconds; default 30. A
     * crashed worker's stack and job pass to another worker after this long.
     */
    leaseSeconds: z.number().int().min(2).max(600).default(30),
    /** Grace period for a running update on SIGTERM, in seconds; default 60. */
    shutdownGraceSeconds: z.number().int().min(0).default(60),
    /** Largest webhook body accepted, in bytes; default 1 MiB. */
    webhookMaxBytes: z.number().int().min(1024).default(1024 * 1024),
    telemetry: z
      .object({
        /** Watch the stacks' health signals in CloudWatch, find anomalies and open incidents. Default false. */
        enabled: z.boolean().default(false),
        /** CloudWatch endpoint override (a local endpoint such as moto); default the SDK's. */
        endpoint: z.string().url().optional(),
        /** Default: the SDK's chain (AWS_REGION). */
        region: z.string().optional(),
        /** Seconds between polls; default 60. */
        pollIntervalSeconds: z.number().min(0.1).default(60),
        /** First poll of a series looks back this far, in seconds (detectors warm up on it); default 3600. */
        initialLookbackSeconds: z.number().int().min(60).default(3600),
        /** Only periods older than this are read, in seconds (CloudWatch fills them late); default 60. */
        settleSeconds: z.number().min(0).default(60),
        /** Signals of one incident turn anomalous within this window, in seconds; default 600. */
        incidentWindowSeconds: z.number().int().min(1).default(600),
        /** An incident resolves after its signals are normal this long, in seconds; default 900. */
        incidentQuietSeconds: z.number().int().min(1).default(900),
        /** Windows of the diagnosis rules, in seconds; each defaults to diagnose/diagnosis-options.ts. */
        diagnosis: z
          .object({
            lookbackSeconds: z.number().min(0).optional(),
            afterOnsetGraceSeconds: z.number().min(0).optional(),
            leadSeconds: z.number().min(0).optional(),
            baselineSeconds: z.number().min(0).optional(),
            dependencyWindowSeconds: z.number().min(0).optional(),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({ enabled: false, pollIntervalSeconds: 60, initialLookbackSeconds: 3600, settleSeconds: 60, incidentWindowSeconds: 600, incidentQuietSeconds: 900, diagnosis: {} }),
    remediation: z
      .object({
        /** Turn incidents into proposals, policy checks, commits or review items, and verify them. Default false (needs telemetry). */
        enabled: z.boolean().default(false),
        /** Confidence a proposal needs to be applied automatically, by default; in [0, 1]. Default 0.7. */
        confidenceThreshold: z.number().min(0).max(1).default(0.7),
        /** Per-stack thresholds by stack key (`<repo>/<project>/<stack>`), overriding the default. */
        stackThresholds: z.record(z.string(), z.number().min(0).max(1)).default({}),
        /**
         * Signal-time seconds of data after an incident's onset before a proposal is made: diagnosis
         * looks at the incident again with them (is demand still up? did errors follow the deploy?),
         * and an incident whose signals are back to their levels by then gets no change. Default 600:
         * a disturbance of a few minutes (a burst of demand, a blip of errors) is over before a change
         * through Git, policy and a deploy could help, and at its fourth minute it looks just like the
         * start of a lasting one; alarms still page people meanwhile.
         */
        evidenceSeconds: z.number().min(0).default(600),
        /** After the change is applied, how long to watch its signals, in seconds; default 600. */
        verificationSeconds: z.number().min(1).default(600),
        /** Fresh points each named signal needs after the apply before a verdict; default 5. */
        verificationPoints: z.number().int().min(1).default(5),
        /** Approved-and-effective reviews in a row after which a playbook runs automatically on that stack; 0 never. Default 3. */
        promoteAfter: z.number().int().min(0).default(3),
        /** Who remediation commits are authored by. */
        bot: z
          .object({ name: z.string().min(1).default('Homeostat'), email: z.string().min(3).default('homeostat@localhost') })
          .strict()
          .default({ name: 'Homeostat', email: 'homeostat@localhost' }),
        guardrails: GuardrailConfigSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    forge: z
      .object({
        github: z.object({ token: SecretRefSchema, apiUrl: z.string().url().optional() }).strict().optional(),
      })
      .strict()
      .default({}),
    repositories: z.array(RepoSchema).min(1, 'watch at least one repository'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.repositories.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['repositories', i, 'id'], message: `duplicate repository id ${r.id}` });
      seen.add(r.id);
    });
  });
export type ServiceConfigFile = z.infer<typeof ServiceConfigSchema>;
export type RepoConfig = z.infer<typeof RepoSchema>;

/** The config with its secrets read. */
export interface ServiceConfig extends Omit<ServiceConfigFile, 'pulumi' | 'repositories' | 'forge'> {
  pulumi: Omit<ServiceConfigFile['pulumi'], 'passphrase'> & { passphrase: Secret };
  repositories: (Omit<RepoConfig, 'webhookSecret'> & { webhookSecret?: Secret })[];
  forge: { github?: { token: Secret; apiUrl?: string } };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid config:\n  ${problems.join('\n  ')}`);
  }
}

/** Environment variables that override the file, by config path. */
const ENV_OVERRIDES: [string, (cfg: Record<string, unknown>, value: string) => void][] = [
  ['HOMEOSTAT_REDIS_URL', (c, v) => (c.redisUrl = v)],
  ['HOMEOSTAT_LISTEN_PORT', (c, v) => (c.listen = { ...(c.listen as object), port: Number(v) })],
  ['HOMEOSTAT_DATA_DIR', (c, v) => (c.dataDir = v)],
];

/**
 * Validates a parsed config document and reads its secrets. Every problem is
 * reported at once, each with its path; secret values never appear.
 */
export function loadServiceConfig(doc: unknown, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): ServiceConfig {
  const raw: Record<string, unknown> = doc && typeof doc === 'object' && !Array.isArray(doc) ? { ...(doc as Record<string, unknown>) } : {};
  if (doc !== undefined && doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) throw new ConfigError(['(document): expected a mapping']);
  for (const [name, apply] of ENV_OVERRIDES) {
    const v = env[name];
    if (v !== undefined && v !== '') apply(raw, v);
  }
  const parsed = ServiceConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`));
  }
  const cfg = parsed.data;
  const problems: string[] = [];
  const read = (ref: SecretRef, path: string): Secret => {
    if ('env' in ref) {
      const v = env[ref.env];
      if (v === undefined || v === '') problems.push(`${path}: environment variable ${ref.env} is not set`);
      return new Secret(v ?? '');
    }
    const file = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
    try {
      return new Secret(readFileSync(file, 'utf8').trim());
    } catch (err) {
      problems.push(`${path}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return new Secret('');
    }
  };
  const result: ServiceConfig = {
    ...cfg,
    dataDir: resolve(baseDir, cfg.dataDir),
    pulumi: { ...cfg.pulumi, passphrase: read(cfg.pulumi.passphrase, 'pulumi.passphrase') },
    repositories: cfg.repositories.map((r, i) => {
      const { webhookSecret, ...rest } = r;
      return webhookSecret ? { ...rest, webhookSecret: read(webhookSecret, `repositories.${i}.webhookSecret`) } : rest;
    }),
    forge: cfg.forge.github
      ? { github: { token: read(cfg.forge.github.token, 'forge.github.token'), ...(cfg.forge.github.apiUrl ? { apiUrl: cfg.forge.github.apiUrl } : {}) } }
      : {},
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return result;
}

/** Reads and validates a config file. */
export function loadServiceConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError([`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return loadServiceConfig(doc, env, resolve(path, '..'));
}
