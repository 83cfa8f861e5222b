import { z } from 'zod';
import type { Secret } from './secret.ts';
import { SecretRefSchema, type SecretRef } from './secret-ref.ts';

/** An http(s) URL: a forge's API is never reached over anything else. */
const HttpUrlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'an http:// or https:// URL');

/**
 * The forge accounts Homeostat reports to and opens pull requests with, one
 * per forge; each watched repository's `forge` says which of them serves it.
 * Tokens are secret references (`{env}` or `{file}`), never values.
 */
export const ForgeConfigSchema = z
  .object({
    github: z
      .object({
        /** A token that may comment, set commit statuses and open pull requests. */
        token: SecretRefSchema,
        /** API base URL; default https://api.github.com (GitHub Enterprise: https://host/api/v3). */
        apiUrl: HttpUrlSchema.optional(),
      })
      .strict()
      .optional(),
    gitlab: z
      .object({
        /** A token with the `api` scope (a project, group or personal access token). */
        token: SecretRefSchema,
        /** The instance's base URL, without `/api/v4`; default https://gitlab.com. */
        url: HttpUrlSchema.default('https://gitlab.com'),
      })
      .strict()
      .optional(),
    gitea: z
      .object({
        /** An access token with write access to the repository and its issues. */
        token: SecretRefSchema,
        /** The instance's base URL, without `/api/v1`, for example https://gitea.example.com (Gitea has no public default). */
        url: HttpUrlSchema,
      })
      .strict()
      .optional(),
  })
  .strict()
  .default({});
export type ForgeConfigFile = z.infer<typeof ForgeConfigSchema>;

/** The forge accounts with their tokens read. */
export interface ForgeConfig {
  github?: { token: Secret; apiUrl?: string };
  gitlab?: { token: Secret; url: string };
  gitea?: { token: Secret; url: string };
}

/** Reads each configured forge's token (`read` records a missing one as a problem). */
export function readForgeConfig(file: ForgeConfigFile, read: (ref: SecretRef, path: string) => Secret): ForgeConfig {
  const { github, gitlab, gitea } = file;
  return {
    ...(github ? { github: { token: read(github.token, 'forge.github.token'), ...(github.apiUrl ? { apiUrl: github.apiUrl } : {}) } } : {}),
    ...(gitlab ? { gitlab: { token: read(gitlab.token, 'forge.gitlab.token'), url: gitlab.url } } : {}),
    ...(gitea ? { gitea: { token: read(gitea.token, 'forge.gitea.token'), url: gitea.url } } : {}),
  };
}

/** The environment variables holding forge tokens, by config path: never handed to the engine. */
export function forgeTokenEnvs(file: ForgeConfigFile): [string, string][] {
  return (['github', 'gitlab', 'gitea'] as const).flatMap((name) => {
    const ref = file[name]?.token;
    return ref && 'env' in ref ? [[ref.env, `forge.${name}.token`] as [string, string]] : [];
  });
}
