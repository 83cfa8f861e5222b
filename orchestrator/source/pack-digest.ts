import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Folders of a pack that are not the pack's own content (`.homeostat`: its compiled builds, build/pack-build.ts). */
const SKIPPED = new Set(['node_modules', '.git', '.homeostat']);

/**
 * A digest of a policy pack folder's files (names and contents, in a fixed
 * order, without `node_modules`), or undefined when the folder holds no pack
 * (`PulumiPolicy.yaml`). Two copies of one pack have the same digest
 * wherever they are.
 */
export async function policyPackDigest(dir: string): Promise<string | undefined> {
  if (!existsSync(join(dir, 'PulumiPolicy.yaml'))) return undefined;
  const hash = createHash('sha256');
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (SKIPPED.has(e.name)) continue;
      const path = join(at, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) hash.update(`${relative(dir, path)}\0`).update(await readFile(path)).update('\0');
    }
  };
  await walk(dir);
  return `sha256:${hash.digest('hex')}`;
}
