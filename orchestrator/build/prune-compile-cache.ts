import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How many entries Node's compile cache keeps by default: about 10 KB each, so some 40 MB. */
export const DEFAULT_KEPT_COMPILE_ENTRIES = 4000;

/**
 * Keeps the engines' Node.js compile cache (`NODE_COMPILE_CACHE`, see
 * engine/engine-env.ts) bounded. Node names each entry after the module's
 * path, and every commit's bundle has a path of its own (its build key), so
 * without this the folder grows with the repository's history. Node keeps
 * one folder per Node version and flags: those of another Node version are
 * dropped whole, and in the others the entries written longest ago go first.
 * A read does not touch an entry, so a module in use all along may be
 * dropped too; its next process only compiles it again and writes it back.
 */
export async function pruneCompileCache(dir: string, keep = DEFAULT_KEPT_COMPILE_ENTRIES, nodeVersion = process.versions.node): Promise<number> {
  let removed = 0;
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    const folder = join(dir, sub);
    if (!sub.startsWith(`v${nodeVersion}-`)) {
      await rm(folder, { recursive: true, force: true });
      removed++;
      continue;
    }
    const names = await readdir(folder).catch(() => [] as string[]);
    if (names.length <= keep) continue;
    const aged = await Promise.all(names.map(async (name) => ({ name, at: (await stat(join(folder, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    const gone = aged.sort((a, b) => b.at - a.at).slice(keep);
    await Promise.all(gone.map((e) => rm(join(folder, e.name), { force: true })));
    removed += gone.length;
  }
  return removed;
}
