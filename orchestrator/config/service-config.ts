import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { BranchNameSchema, RepoRelativePathSchema } from '../source/ref-name.ts';
import { Secret } from './secret.ts';
import { SecretRefSchema, type SecretRef } from './secret-ref.ts';
import { readTracesConfig, TracesConfigSchema, type TracesConfig } from './traces-config.ts';
import { NotificationsConfigSchema, readNotifications, type NotificationsConfig } from './notify-config.ts';
import { LogConfigSchema } from './log-config.ts';
import { ChangeEventsConfigSchema } from './change-events-config.ts';
import { ForgeConfigSchema, forgeTokenEnvs, readForgeConfig, type ForgeConfig } from './forge-config.ts';
import { ForecastConfigSchema, RemediationConfigSchema, TelemetryConfigSchema } from './aiops-config.ts';
import { PluginsConfigSchema } from './plugins-config.ts';
import { PromotionConfigSchema } from './promotion-config.ts';

/**
 * The service's config: a YAML file plus environment variables, validated at
 * start-up. An invalid file stops the service with every wrong field named.
 * Secrets are never in the file: it says where to find them (`{env: NAME}` or
 * `{file: path}`), and they are read into {@link Secret}s.
 */

/** Names of environment variables handed to the engine (and so to the programs and policy packs it runs). */
const EnvNamesSchema = z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'));

const RepoSchema = z
  .object({
    /** Short id used in stack keys, URLs, folder and Redis key names: a letter or digit first, no '..'. */
    id: z
      .string()
      .max(100)
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a repository id: letters, digits, _ . -, starting with a letter or digit')
      .refine((id) => !id.includes('..'), "a repository id: no '..'"),
    url: z.string().min(1),
    /** Branch whose pushes are applied; other refs are previewed only (pull requests). */
    deployBranch: BranchNameSchema.default('main'),
    webhookSecret: SecretRefSchema.optional(),
    /** Forge whose webhooks this repository receives, and whose account in `forge` reports on it and opens its pull requests. */
    forge: z.enum(['github', 'gitlab', 'gitea']).optional(),
    /**
     * The repository as its forge names it (`owner/repo`; on GitLab the full
     * project path, `group/subgroup/project`). Default: read from `url`.
     */
    forgeRepo: z.string().regex(/^[^/\s]+(\/[^/\s]+)+$/, 'a forge repository path such as owner/repo or group/subgroup/project').optional(),
    /** Fallback poll of the deploy branch with `git ls-remote`, in seconds; 0 turns it off. Default 0. */
    pollIntervalSeconds: z.number().int().min(0).default(0),
    /** Stacks to manage, by name; default all stacks of every project in the repository. */
    stacks: z.array(z.string().min(1)).optional(),
    /** Policy pack folders in the repository. Default `[policies]`. */
    policyPacks: z.array(RepoRelativePathSchema).default(['policies']),
    /**
     * Variables of the service's environment the engine gets for this
     * repository's stacks (for example the cloud credentials of its
     * providers): a list for every stack, or lists by stack name. Default
     * none: the engine sees only the allow-listed basics and the backend
     * settings. The program and the policy packs see them too.
     */
    engineEnv: z.union([EnvNamesSchema, z.record(z.string().min(1), EnvNamesSchema)]).optional(),
    /** Pull requests whose head lives in another repository (a fork): `ignore` (default) runs nothing, `preview` previews them like any other. */
    pullRequests: z.object({ forks: z.enum(['preview', 'ignore']).default('ignore') }).strict().default({ forks: 'ignore' }),
    drift: z
      .object({
        /** Refresh-only preview of every stack at this interval, in seconds; 0 turns drift detection off. */
        intervalSeconds: z.number().int().min(0).default(0),
        /** `report` records drift; `reconcile` also applies the last applied commit again. */
        action: z.enum(['report', 'reconcile']).default('report'),
      })
      .strict()
      .default({ intervalSeconds: 0, action: 'report' }),
    /** Promotion waves of the deploy branch's changes, with their soak window (`config/promotion-config.ts`); default none. */
    promotion: PromotionConfigSchema.optional(),
  })
  .strict();

const RoleSchema = z.enum(['viewer', 'operator', 'approver', 'admin']);

/**
 * Who may use the HTTP API. `none` only where nobody else can reach the
 * port (a loopback `listen.host`); otherwise named API tokens, each with a
 * role, and optionally a reverse proxy that names the person in a header.
 */
const TokenAuthSchema = z
  .object({
    tokens: z
      .array(
        z
          .object({
            /** Who the token is: the name the audit log records. */
            name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9 _.@()'-]{0,99}$/, "a name: letters, digits, spaces and _ . @ ( ) ' -"),
            role: RoleSchema,
            token: SecretRefSchema,
          })
          .strict(),
      )
      .default([]),
    proxy: z
      .object({
        /** Header in which the proxy names the person; default `x-forwarded-user`. */
        header: z.string().regex(/^[a-zA-Z0-9-]+$/).default('x-forwarded-user'),
        /** Socket addresses of the proxy; the header from any other address is ignored. */
        trustedAddresses: z.array(z.string().min(1)).min(1, 'name the proxy\'s address(es)'),
        /** Role of a person named by the proxy who sends no token; default viewer. */
        role: RoleSchema.default('viewer'),
      })
      .strict()
      .optional(),
    /** `token`: /metrics needs a viewer token; default `open`. */
    metrics: z.enum(['open', 'token']).default('open'),
  })
  .strict();
// A string is `none` and nothing else; a mapping is checked field by field (so a wrong role is named as such).
const AuthSchema = z.union([z.literal('none'), TokenAuthSchema]);

/** Whether a listen host is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

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
        /**
         * Variables of the service's environment that every engine gets (for
         * example the shared backend's credentials); default none. The
         * programs see them too.
         */
        engineEnv: EnvNamesSchema.default([]),
        /** Where provider plugins come from: `acquire` (default), `preinstalled` or `off` (`config/plugins-config.ts`). */
        plugins: PluginsConfigSchema,
      })
      .strict(),
    policy: z
      .object({
        /**
         * Mandatory policy packs, pinned by the service: either `{path}`, a
         * folder outside every watched repository, relative to the config
         * file; or `{repo, commit, path}`, the pack at `path` of one commit
         * (full SHA) of a policy repository, fetched at start-up. Each runs on
         * every preview and update besides the commit's own packs, which can
         * add rules but never remove these. Default none.
         */
        packs: z
          .array(
            z
              .object({
                path: z.string().min(1),
                repo: z.string().min(1).optional(),
                commit: z.string().regex(/^[0-9a-f]{40}$/, 'a full commit SHA (40 hex digits): a branch or tag could move').optional(),
              })
              .strict()
              .superRefine((p, ctx) => {
                if ((p.repo === undefined) !== (p.commit === undefined)) ctx.addIssue({ code: 'custom', message: 'repo and commit go together: a pack pinned to a commit of a policy repository names both' });
                if (p.repo !== undefined && !RepoRelativePathSchema.safeParse(p.path).success) ctx.addIssue({ code: 'custom', path: ['path'], message: "a folder inside the policy repository: relative, without '..' parts" });
              }),
          )
          .default([]),
        /** Policy config by policy name, for example `{max-capacity-step: {maxStepRatio: 2}}`. */
        config: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
      })
      .strict()
      .default({ packs: [], config: {} }),
    concurrency: z.object({ deploy: z.number().int().min(1).max(64).default(4) }).strict().default({ deploy: 4 }),
    /**
     * Lease of a worker on a stack and on a job, in seconds; default 30. A
     * crashed worker's stack and job pass to another worker after this long.
     */
    leaseSeconds: z.number().int().min(2).max(600).default(30),
    /** The operational log: level and format (`config/log-config.ts`). */
    log: LogConfigSchema,
    /** Grace period for a running update on SIGTERM, in seconds; default 60. */
    shutdownGraceSeconds: z.number().int().min(0).default(60),
    /** Largest webhook body accepted, in bytes; default 1 MiB. */
    webhookMaxBytes: z.number().int().min(1024).default(1024 * 1024),
    telemetry: TelemetryConfigSchema,
    forecast: ForecastConfigSchema,
    remediation: RemediationConfigSchema,
    /** The OTLP/HTTP trace receiver (`config/traces-config.ts`). */
    traces: TracesConfigSchema,
    /** Changes made outside Git, read from an EventBridge-fed SQS queue (`config/change-events-config.ts`). */
    changeEvents: ChangeEventsConfigSchema,
    /** Where incidents, reviews, remediations, drift and failed deploys are sent (`config/notify-config.ts`). */
    notifications: NotificationsConfigSchema,
    /** Forge accounts for preview reports and remediation pull requests (`config/forge-config.ts`). */
    forge: ForgeConfigSchema,
    repositories: z.array(RepoSchema).min(1, 'watch at least one repository'),
    /** Who may use the HTTP API: `none` (loopback only) or `{tokens: [...]}`; required by a service that serves HTTP. */
    auth: AuthSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // A missing section is refused where it matters, when the HTTP API starts (see AUTH_REQUIRED).
    if (cfg.auth === 'none' && !isLoopbackHost(cfg.listen.host)) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: `none is allowed only on a loopback listen.host (127.0.0.1, ::1, localhost), not ${cfg.listen.host}: anyone who reaches the port could approve and apply changes` });
    } else if (cfg.auth && cfg.auth !== 'none' && cfg.auth.tokens.length === 0 && !cfg.auth.proxy) {
      ctx.addIssue({ code: 'custom', path: ['auth', 'tokens'], message: 'configure at least one API token (or a proxy), or `auth: none` on a loopback listen.host' });
    }
    if (cfg.auth && cfg.auth !== 'none') {
      const names = new Set<string>();
      cfg.auth.tokens.forEach((t, i) => {
        if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: ['auth', 'tokens', i, 'name'], message: `duplicate token name ${t.name}` });
        names.add(t.name);
      });
    }
    const seen = new Set<string>();
    cfg.repositories.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['repositories', i, 'id'], message: `duplicate repository id ${r.id}` });
      seen.add(r.id);
    });
    // The service's own secrets are never handed to a commit's code, even by mistake.
    const own = new Map<string, string>();
    if ('env' in cfg.pulumi.passphrase) own.set(cfg.pulumi.passphrase.env, 'pulumi.passphrase');
    for (const [env, path] of forgeTokenEnvs(cfg.forge)) own.set(env, path);
    cfg.notifications.targets.forEach((t, i) => {
      for (const [field, ref] of [['url', t.url], ['secret', t.secret]] as const) if (ref && 'env' in ref) own.set(ref.env, `notifications.targets.${i}.${field}`);
    });
    cfg.repositories.forEach((r, i) => {
      if (r.webhookSecret && 'env' in r.webhookSecret) own.set(r.webhookSecret.env, `repositories.${i}.webhookSecret`);
    });
    if (cfg.traces.ingestToken && 'env' in cfg.traces.ingestToken) own.set(cfg.traces.ingestToken.env, 'traces.ingestToken');
    const check = (names: readonly string[], path: (string | number)[]) =>
      names.forEach((name, j) => {
        const secret = own.get(name) ?? (/^HOMEOSTAT_/.test(name) ? 'a Homeostat setting' : undefined);
        if (secret) ctx.addIssue({ code: 'custom', path: [...path, j], message: `${name} holds ${secret}: it must not reach the engine and the programs` });
      });
    check(cfg.pulumi.engineEnv, ['pulumi', 'engineEnv']);
    cfg.repositories.forEach((r, i) => {
      if (Array.isArray(r.engineEnv)) check(r.engineEnv, ['repositories', i, 'engineEnv']);
      else for (const [stack, names] of Object.entries(r.engineEnv ?? {})) check(names, ['repositories', i, 'engineEnv', stack]);
    });
  });
export type ServiceConfigFile = z.infer<typeof ServiceConfigSchema>;
export type RepoConfig = z.infer<typeof RepoSchema>;

/** The config with its secrets read. */
export type AuthConfig = 'none' | (Omit<Exclude<NonNullable<ServiceConfigFile['auth']>, 'none'>, 'tokens'> & { tokens: { name: string; role: z.infer<typeof RoleSchema>; token: Secret }[] });

export interface ServiceConfig extends Omit<ServiceConfigFile, 'pulumi' | 'repositories' | 'forge' | 'auth' | 'notifications' | 'traces'> {
  /** Undefined when the file has no `auth` section: only a service without HTTP may start so. */
  auth?: AuthConfig;
  pulumi: Omit<ServiceConfigFile['pulumi'], 'passphrase'> & { passphrase: Secret };
  repositories: (Omit<RepoConfig, 'webhookSecret'> & { webhookSecret?: Secret })[];
  forge: ForgeConfig;
  notifications: NotificationsConfig;
  traces: TracesConfig;
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
    // A union reports only "Invalid input"; for an `auth` mapping, say which of its fields is wrong.
    const issues = parsed.error.issues.flatMap((i) =>
      i.path.length === 1 && i.path[0] === 'auth' && i.code === 'invalid_union' && raw.auth && typeof raw.auth === 'object'
        ? (TokenAuthSchema.safeParse(raw.auth).error?.issues.map((sub) => ({ ...sub, path: ['auth', ...sub.path] })) ?? [i])
        : [i],
    );
    throw new ConfigError(issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`));
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
  const { auth, ...rest } = cfg;
  const dataDir = resolve(baseDir, cfg.dataDir);
  // Pinned packs are the service's own: they must hold a pack, and not live where commits are checked out.
  const packs = cfg.policy.packs.map((p, i) => {
    // A pack pinned to a commit is fetched at start-up, into a folder of its own under dataDir.
    if (p.repo !== undefined) return p;
    const path = resolve(baseDir, p.path);
    if (!existsSync(join(path, 'PulumiPolicy.yaml'))) problems.push(`policy.packs.${i}.path: no policy pack (PulumiPolicy.yaml) in ${path}`);
    if (path === dataDir || path.startsWith(dataDir + sep)) problems.push(`policy.packs.${i}.path: ${path} is inside dataDir, where commits are checked out`);
    return { ...p, path };
  });
  const result: ServiceConfig = {
    ...rest,
    dataDir,
    policy: { ...cfg.policy, packs },
    pulumi: {
      ...cfg.pulumi,
      passphrase: read(cfg.pulumi.passphrase, 'pulumi.passphrase'),
      plugins: cfg.pulumi.plugins.mode === 'preinstalled' ? { mode: 'preinstalled', dir: resolve(baseDir, cfg.pulumi.plugins.dir) } : cfg.pulumi.plugins,
    },
    repositories: cfg.repositories.map((r, i) => {
      const { webhookSecret, ...rest } = r;
      return webhookSecret ? { ...rest, webhookSecret: read(webhookSecret, `repositories.${i}.webhookSecret`) } : rest;
    }),
    forge: readForgeConfig(cfg.forge, read),
    notifications: readNotifications(cfg.notifications, read, problems),
    traces: readTracesConfig(cfg.traces, auth !== undefined && auth !== 'none', read, problems),
    ...(auth ? { auth: readAuth(auth, read, problems) } : {}),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return result;
}

/** Why a service that serves HTTP refuses a config without an `auth` section. */
export const AUTH_REQUIRED =
  "auth: say who may use the HTTP API: `auth: {tokens: [{name, role, token: {env: NAME}}]}`, or `auth: none` on a loopback listen.host; the service does not start open by default";

/** Smallest API token accepted: a short one can be guessed. */
const MIN_TOKEN_LENGTH = 16;

function readAuth(auth: NonNullable<ServiceConfigFile['auth']>, read: (ref: SecretRef, path: string) => Secret, problems: string[]): AuthConfig {
  if (auth === 'none') return 'none';
  const tokens = auth.tokens.map((t, i) => {
    const token = read(t.token, `auth.tokens.${i}.token`);
    const length = token.reveal().length;
    if (length > 0 && length < MIN_TOKEN_LENGTH) problems.push(`auth.tokens.${i}.token: ${length} characters; use at least ${MIN_TOKEN_LENGTH} (for example: openssl rand -hex 32)`);
    return { name: t.name, role: t.role, token };
  });
  const values = tokens.map((t) => t.token.reveal());
  tokens.forEach((t, i) => {
    if (values.indexOf(values[i]!) !== i) problems.push(`auth.tokens.${i}.token: the same value as another token's (${t.name}): each principal needs its own`);
  });
  return { ...auth, tokens };
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
