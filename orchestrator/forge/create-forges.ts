import type { ForgeConfig } from '../config/forge-config.ts';
import type { ForgeAdapter } from './forge.ts';
import { createGiteaForge } from './gitea-forge.ts';
import { createGithubForge } from './github-forge.ts';
import { createGitlabForge } from './gitlab-forge.ts';

/** One adapter per configured forge account; a repository's `forge` picks its own. */
export function createForges(config: ForgeConfig): Partial<Record<'github' | 'gitlab' | 'gitea', ForgeAdapter>> {
  const { github, gitlab, gitea } = config;
  return {
    ...(github ? { github: createGithubForge({ token: github.token.reveal(), ...(github.apiUrl ? { apiUrl: github.apiUrl } : {}) }) } : {}),
    ...(gitlab ? { gitlab: createGitlabForge({ token: gitlab.token.reveal(), url: gitlab.url }) } : {}),
    ...(gitea ? { gitea: createGiteaForge({ token: gitea.token.reveal(), url: gitea.url }) } : {}),
  };
}
