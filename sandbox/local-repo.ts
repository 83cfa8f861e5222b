import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../orchestrator/source/git.ts';

/**
 * The sandbox's Git remote: a bare repository on disk and a working clone,
 * seeded with the infrastructure project (programs, stack files, policy
 * pack). Pushing to it is a real `git push`.
 */
export interface LocalRepo {
  /** URL of the bare remote (a path, as git accepts). */
  remote: string;
  /** The working clone, where people and playbooks commit. */
  workDir: string;
  /** Commits every change in the clone and pushes it; returns the new commit id. */
  commitAndPush(message: string, author?: { name: string; email: string }): Promise<string>;
  /** Brings the clone up to the remote's branch (others, Homeostat among them, push too); returns its head. */
  pull(): Promise<string>;
}

const PROJECT_FILES = ['Pulumi.yaml', 'package.json', 'package-lock.json', 'stacks', 'policies'];

export async function createLocalRepo(dir: string, projectRoot: string, branch = 'main'): Promise<LocalRepo> {
  const remote = join(dir, 'remote.git');
  const workDir = join(dir, 'work');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await git(['init', '--bare', '-q', '-b', branch, remote]);
  await git(['clone', '-q', remote, workDir]);
  await git(['checkout', '-q', '-b', branch], { cwd: workDir });
  for (const f of PROJECT_FILES) await cp(join(projectRoot, f), join(workDir, f), { recursive: true });

  return {
    remote,
    workDir,
    async commitAndPush(message, author = { name: 'Sandbox Operator', email: 'operator@sandbox.local' }) {
      const env = {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      };
      await git(['add', '-A'], { cwd: workDir });
      await git(['commit', '-q', '-m', message], { cwd: workDir, env });
      await git(['push', '-q', 'origin', `HEAD:${branch}`], { cwd: workDir });
      return git(['rev-parse', 'HEAD'], { cwd: workDir });
    },
    async pull() {
      await git(['pull', '-q', '--ff-only', 'origin', branch], { cwd: workDir });
      return git(['rev-parse', 'HEAD'], { cwd: workDir });
    },
  };
}
