import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

/**
 * Installs a checked-out project's npm dependencies once per lock file and
 * links them into every checkout with that lock file, so a run does not pay
 * for `npm ci` unless the dependencies changed.
 */
export interface DependencyCacheOptions {
  /** Where installed dependency trees are kept, one folder per lock-file digest. */
  dir: string;
  /**
   * An already installed project (a folder with package-lock.json and
   * node_modules) to reuse when its lock file matches: Homeostat's own.
   */
  seed?: string;
}

async function lockDigest(projectDir: string): Promise<string | undefined> {
  try {
    const lock = await readFile(join(projectDir, 'package-lock.json'));
    return createHash('sha256').update(lock).digest('hex').slice(0, 24);
  } catch {
    return undefined;
  }
}

function npmCi(cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm ci failed (exit ${code}): ${stderr.trim()}`))));
  });
}

export function createDependencyCache(options: DependencyCacheOptions) {
  return {
    /** Links node_modules into `projectDir`; does nothing when it has no package-lock.json. */
    async link(projectDir: string): Promise<void> {
      const target = join(projectDir, 'node_modules');
      if (existsSync(target)) return;
      const digest = await lockDigest(projectDir);
      if (!digest) return;
      let modules = join(options.dir, digest, 'node_modules');
      if (!existsSync(modules)) {
        if (options.seed && (await lockDigest(options.seed)) === digest && existsSync(join(options.seed, 'node_modules'))) {
          modules = join(options.seed, 'node_modules');
        } else {
          // Install into a scratch folder, then move it in place, so a crash never leaves half a tree behind.
          const scratch = join(options.dir, `${digest}.tmp-${process.pid}`);
          await rm(scratch, { recursive: true, force: true });
          await mkdir(scratch, { recursive: true });
          await copyFile(join(projectDir, 'package.json'), join(scratch, 'package.json'));
          await copyFile(join(projectDir, 'package-lock.json'), join(scratch, 'package-lock.json'));
          await npmCi(scratch);
          await rename(scratch, join(options.dir, digest)).catch(async (err: NodeJS.ErrnoException) => {
            // Another worker finished the same install first: use theirs.
            if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
            await rm(scratch, { recursive: true, force: true });
          });
        }
      }
      await symlink(modules, target, 'dir');
    },
  };
}
export type DependencyCache = ReturnType<typeof createDependencyCache>;
