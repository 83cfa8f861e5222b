import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../orchestrator/runtime/toolchain.ts';

/** The files of this repository that make up the infrastructure project. */
export const PROJECT_FILES = ['Pulumi.yaml', 'package.json', 'stacks', 'policies'];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test Author',
      GIT_AUTHOR_EMAIL: 'author@example.com',
      GIT_COMMITTER_NAME: 'Test Author',
      GIT_COMMITTER_EMAIL: 'author@example.com',
    },
  }).trim();
}

/**
 * A throw-away Git checkout of the infrastructure project (its programs,
 * stack files and policy pack), with this repository's node_modules linked
 * in, plus a file backend of its own. Remove it with `cleanup()`.
 */
export interface ProjectCheckout {
  dir: string;
  backendUrl: string;
  cleanup(): void;
}

export function createProjectCheckout(): ProjectCheckout {
  const root = mkdtempSync(join(tmpdir(), 'homeostat-project-'));
  const dir = join(root, 'repo');
  for (const f of PROJECT_FILES) cpSync(join(PROJECT_ROOT, f), join(dir, f), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A', ...PROJECT_FILES);
  git(dir, 'commit', '-q', '-m', 'initial stacks');
  return {
    dir,
    backendUrl: `file://${join(root, 'state')}`,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
