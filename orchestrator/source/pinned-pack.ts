import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DependencyCache } from './dependency-cache.ts';
import { git, redactUrl } from './git.ts';

/** A policy pack pinned to one commit of a policy repository: `path` is the pack's folder in it. */
export interface PackPin {
  repo: string;
  commit: string;
  path: string;
}

/**
 * The folder of a pinned pack, made once per commit: the commit's whole tree
 * (a pack may read files beside it) written under `dir/<commit>`, never a
 * branch, so a push to the policy repository changes nothing until the
 * config names another commit. Its npm dependencies are linked from the
 * dependency cache. Written to a scratch folder and moved in place, so a
 * crash never leaves half a tree that looks complete.
 */
export async function pinnedPackFolder(pin: PackPin, deps: { dir: string; dependencies: DependencyCache }): Promise<string> {
  const tree = join(deps.dir, pin.commit);
  if (!existsSync(tree)) {
    await mkdir(deps.dir, { recursive: true });
    const scratch = join(deps.dir, `${pin.commit}.tmp-${process.pid}`);
    await rm(scratch, { recursive: true, force: true });
    const bare = join(scratch, 'repo.git');
    const files = join(scratch, 'tree');
    try {
      await git(['clone', '--quiet', '--bare', '--', pin.repo, bare]);
      await git(['--git-dir', bare, 'cat-file', '-e', `${pin.commit}^{commit}`]).catch(() => {
        throw new Error(`commit ${pin.commit} is not in ${redactUrl(pin.repo)}`);
      });
      await mkdir(files);
      await git(['--git-dir', bare, '--work-tree', files, 'checkout', '--force', pin.commit, '--', '.']);
      await rename(files, tree).catch(async (err: NodeJS.ErrnoException) => {
        // Another process made the same pin first: use theirs.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  const folder = join(tree, pin.path);
  if (!existsSync(join(folder, 'PulumiPolicy.yaml'))) throw new Error(`no policy pack (PulumiPolicy.yaml) at ${pin.path} of ${pin.commit.slice(0, 12)} in ${redactUrl(pin.repo)}`);
  // The repository's own dependencies (a pack at its root, or one that shares the root's lock file), then the pack's.
  await deps.dependencies.link(tree);
  if (folder !== tree) await deps.dependencies.link(folder);
  return folder;
}
