import type { DeclaredAtCommit } from '../graph/declared-at-commit.ts';
import { declaredLinks } from '../graph/stack-links.ts';
import { stackKey, type StackId } from '../model/stack-key.ts';
import { stackConfigPath, type ProjectLayout } from '../plan/project-layout.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';

/**
 * The declared links (`homeostat:dependsOn`) of the affected stacks, read from
 * their config files at the pushed commit with the parser the apply uses. A
 * bad list is named, as the apply names it, and leaves that stack out: it is
 * ordered by what its status records, and its apply stalls on the list.
 */
export async function declaredAtCommit(
  fetcher: SourceFetcher,
  repoUrl: string,
  commit: string,
  stacks: readonly { target: StackId; project: ProjectLayout }[],
): Promise<{ links: DeclaredAtCommit[]; invalid: { stackKey: string; message: string }[] }> {
  const links: DeclaredAtCommit[] = [];
  const invalid: { stackKey: string; message: string }[] = [];
  for (const { target, project } of stacks) {
    const path = stackConfigPath(project, target.stack);
    // The stack was found by its config file at this commit, so the file is there; git failing is not the list's fault.
    const text = await fetcher.readFile(repoUrl, commit, path);
    try {
      const { dependsOn } = declaredLinks(path, text);
      links.push({ stackKey: stackKey(target), project: project.name, dependsOn });
    } catch (err) {
      invalid.push({ stackKey: stackKey(target), message: (err as Error).message });
    }
  }
  return { links, invalid };
}
