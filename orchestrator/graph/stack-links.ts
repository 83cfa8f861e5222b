import { parse } from 'yaml';
import { z } from 'zod';

/**
 * What a stack's own files say about its links: its project's name (which
 * other stacks' references use) and the `homeostat:dependsOn` list of its
 * config, for dependencies the engine cannot see (a stack that reads another
 * through the cloud rather than a StackReference). Pure: the caller reads
 * the files.
 */
export interface DeclaredLinks {
  dependsOn: string[];
}

// The same forms a StackReference takes: org/project/stack, project/stack or a stack of the same project.
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*){0,2}$/;

const DependsOnSchema = z
  .array(z.string().regex(STACK_NAME, 'a stack name: org/project/stack, project/stack or stack'), 'a list of stack names')
  .max(100, 'at most 100 stacks');

const StackConfigSchema = z
  .object({ config: z.record(z.string(), z.unknown()).nullish() })
  .passthrough();

export const DEPENDS_ON_KEY = 'homeostat:dependsOn';

/**
 * The declared dependencies of a stack from its config file's text; throws
 * naming the file and what is wrong with the list. A config file without the
 * key declares none.
 */
export function declaredLinks(path: string, configText: string | undefined): DeclaredLinks {
  if (configText === undefined) return { dependsOn: [] };
  let doc: unknown;
  try {
    doc = parse(configText);
  } catch (err) {
    throw new Error(`${path}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const file = StackConfigSchema.safeParse(doc ?? {});
  if (!file.success) throw new Error(`${path}: expected a mapping with a config section`);
  const raw = file.data.config?.[DEPENDS_ON_KEY];
  if (raw === undefined || raw === null) return { dependsOn: [] };
  const parsed = DependsOnSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? `[${issue.path.join('.')}]` : '';
    throw new Error(`${path}: ${DEPENDS_ON_KEY}${at}: ${issue.message}`);
  }
  return { dependsOn: [...new Set(parsed.data)].sort() };
}
