import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How many program builds the cache keeps by default: one per commit, about 100 KB each for the sandbox. */
export const DEFAULT_KEPT_BUILDS = 200;

/** A program build's folder in the cache is its key; scratch folders and the policy packs' cache are left alone. */
const BUILD_KEY = /^[0-9a-f]{32}$/;

/**
 * Keeps the cache of program builds bounded: every commit has a key of its
 * own, so without this the folder grows with the repository's history. The
 * builds used least recently go first (a reuse touches its folder). A build
 * removed while a run copies it is only compiled again by the next run.
 */
export async function pruneBuilds(dir: string, keep = DEFAULT_KEPT_BUILDS): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => BUILD_KEY.test(n));
  if (names.length <= keep) return [];
  const aged = await Promise.all(names.map(async (name) => ({ name, at: (await stat(join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
  const gone = aged.sort((a, b) => b.at - a.at).slice(keep).map((b) => b.name);
  await Promise.all(gone.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return gone;
}
