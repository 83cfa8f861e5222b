import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isFileBackend } from './file-backend-locks.ts';

/**
 * The version of a stack's state on a file backend, read from its checkpoint
 * file instead of through `pulumi stack export`: the same question answered
 * without starting an engine process (0.7–1.2 s each on the loaded two-core
 * machine), asked before every preview that saves a plan and every apply
 * that could use one.
 *
 * The version is a digest that changes whenever the checkpoint is written.
 * It is only ever compared with versions read the same way from the same
 * backend; a version read through the engine instead (a stack with no
 * checkpoint yet) differs, which makes the apply preview afresh (`StackMoved`),
 * never use a plan it should not.
 */

/** Names a file backend keeps a project's or stack's checkpoint under: nothing that could leave its folder. */
const SAFE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The project's name in `<workDir>/Pulumi.yaml`, when it is a plain name. */
async function projectName(workDir: string): Promise<string | undefined> {
  const text = await readFile(join(workDir, 'Pulumi.yaml'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  const name = (doc as { name?: unknown } | null)?.name;
  return typeof name === 'string' && SAFE_NAME.test(name) && !name.startsWith('.') ? name : undefined;
}

/**
 * `sha256:<hex>` of the stack's checkpoint file(s), or undefined when the
 * backend is not a file backend, a name is not plain, or there is no
 * checkpoint yet (the caller then asks the engine).
 */
export async function fileStateVersion(backendUrl: string, workDir: string, stack: string): Promise<string | undefined> {
  if (!isFileBackend(backendUrl) || !SAFE_NAME.test(stack) || stack.startsWith('.')) return undefined;
  const project = await projectName(workDir);
  if (project === undefined) return undefined;
  const stacks = join(fileURLToPath(backendUrl), '.pulumi', 'stacks');
  // Project-scoped layout (meta.yaml version 1) first, then the legacy flat one; plain and gzipped (PULUMI_SELF_MANAGED_STATE_GZIP).
  for (const dir of [join(stacks, project), stacks]) {
    const hash = createHash('sha256');
    let found = false;
    for (const file of [`${stack}.json`, `${stack}.json.gz`]) {
      const bytes = await readFile(join(dir, file)).catch(() => undefined);
      if (bytes === undefined) continue;
      hash.update(file).update('\0').update(bytes);
      found = true;
    }
    if (found) return `sha256:${hash.digest('hex')}`;
  }
  return undefined;
}
