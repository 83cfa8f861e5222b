import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Where the Pulumi projects of a repository are, and which files belong to
 * each: found from the repository's file list and its `Pulumi.yaml` files.
 * Pure: the caller reads the files.
 */
export interface ProjectLayout {
  /** Folder of the project's Pulumi.yaml, relative to the repository root ('' for the root). */
  dir: string;
  name: string;
  /** Folder whose files make up the program (the folder of `main`, or the project folder). */
  programDir: string;
  /** Folder of the `Pulumi.<stack>.yaml` files. */
  stackConfigDir: string;
  /** Stack names, from their config files. */
  stacks: string[];
}

const PulumiYamlSchema = z.object({
  name: z.string().min(1),
  runtime: z.union([z.string(), z.object({ name: z.string() }).passthrough()]),
  main: z.string().optional(),
  stackConfigDir: z.string().optional(),
}).passthrough();

function join(...parts: string[]): string {
  const out: string[] = [];
  for (const part of parts.join('/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Reads a Pulumi.yaml; throws naming the file and the field on bad input. */
export function parsePulumiYaml(path: string, text: string): z.infer<typeof PulumiYamlSchema> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const parsed = PulumiYamlSchema.safeParse(doc);
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/**
 * Finds every project in a repository. `files` lists every path of the
 * commit; `readFile` returns the text of one of them.
 */
export function discoverProjects(files: readonly string[], readFile: (path: string) => string): ProjectLayout[] {
  return files
    .filter((f) => f === 'Pulumi.yaml' || f.endsWith('/Pulumi.yaml'))
    .sort()
    .map((yamlPath) => {
      const dir = dirOf(yamlPath);
      const doc = parsePulumiYaml(yamlPath, readFile(yamlPath));
      const stackConfigDir = join(dir, doc.stackConfigDir ?? '');
      const programDir = doc.main ? join(dir, doc.main.endsWith('/') ? doc.main : dirOf(doc.main)) : dir;
      const configPattern = new RegExp(`^${stackConfigDir ? `${escape(stackConfigDir)}/` : ''}Pulumi\\.([^/]+)\\.yaml$`);
      const stacks = files.flatMap((f) => {
        const m = configPattern.exec(f);
        return m?.[1] ? [m[1]] : [];
      });
      return { dir, name: doc.name, programDir, stackConfigDir, stacks: stacks.sort() };
    });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Path of a stack's config file. */
export function stackConfigPath(project: ProjectLayout, stack: string): string {
  return join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
}

/**
 * Path of a stack's config file from its project's `Pulumi.yaml`: in the
 * project's `stackConfigDir` when it sets one, else beside `Pulumi.yaml`
 * (Pulumi's own rule). `projectDir` is relative to the repository ('' for
 * the root). Throws naming the file when the YAML is bad.
 */
export function stackConfigFileOf(projectDir: string, pulumiYamlText: string, stack: string): string {
  const doc = parsePulumiYaml(join(projectDir, 'Pulumi.yaml'), pulumiYamlText);
  return join(projectDir, doc.stackConfigDir ?? '', `Pulumi.${stack}.yaml`);
}
