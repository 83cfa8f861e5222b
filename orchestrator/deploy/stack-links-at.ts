import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declaredLinks } from '../graph/stack-links.ts';
import { parsePulumiYaml, stackConfigFileOf } from '../plan/project-layout.ts';
import type { StackLinks } from '../records/stack-status.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import { StalledError } from './deploy-errors.ts';

/** A stack's links as its own files give them (the project name and declared dependencies); the engine adds the references. */
export type DeclaredStackLinks = Omit<StackLinks, 'references'>;

/**
 * Reads the project's `Pulumi.yaml` and the stack's config file at the
 * commit. A bad `homeostat:dependsOn` is the commit's fault: the run stalls
 * as `InvalidProgram`, naming the file and the entry, before the engine runs.
 */
export function declaredLinksAt(artifact: SourceArtifact, projectDir: string, stack: string): DeclaredStackLinks {
  const yamlPath = join(projectDir, 'Pulumi.yaml');
  const yamlText = readFileSync(join(artifact.dir, yamlPath), 'utf8');
  try {
    const project = parsePulumiYaml(yamlPath, yamlText).name;
    const configPath = stackConfigFileOf(projectDir, yamlText, stack);
    const full = join(artifact.dir, configPath);
    const { dependsOn } = declaredLinks(configPath, existsSync(full) ? readFileSync(full, 'utf8') : undefined);
    return { project, dependsOn };
  } catch (err) {
    throw new StalledError('InvalidProgram', (err as Error).message);
  }
}
