import { discoverProjects, type ProjectLayout } from '../plan/project-layout.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';

/** The Pulumi projects, and their stacks, of one commit of a repository, read from the mirror. */
export async function projectsAtCommit(fetcher: SourceFetcher, repoUrl: string, commit: string): Promise<ProjectLayout[]> {
  const files = await fetcher.listFiles(repoUrl, commit);
  const yamlTexts = new Map<string, string>();
  for (const f of files.filter((p) => p === 'Pulumi.yaml' || p.endsWith('/Pulumi.yaml'))) {
    yamlTexts.set(f, await fetcher.readFile(repoUrl, commit, f));
  }
  return discoverProjects(files, (p) => yamlTexts.get(p) ?? '');
}
