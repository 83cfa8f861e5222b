import { stackConfigPath, type ProjectLayout } from './project-layout.ts';

/** Why a stack needs a run for a change. */
export type AffectedReason = 'stack-config' | 'program' | 'project-file' | 'lock-file' | 'policy-pack';

export interface AffectedStack {
  /** Project folder, relative to the repository root. */
  project: string;
  stack: string;
  reason: AffectedReason;
  /** The changed file that caused it (the first one, when several did). */
  file: string;
}

function within(dir: string, file: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}

/** Whether a file belongs to no one stack but to the whole project, and why. */
function projectWideReason(project: ProjectLayout, file: string, policyPackDirs: readonly string[]): AffectedReason | undefined {
  const rel = project.dir === '' ? file : file.slice(project.dir.length + 1);
  if (!within(project.dir, file)) {
    return policyPackDirs.some((d) => within(d, file)) ? 'policy-pack' : undefined;
  }
  if (rel === 'Pulumi.yaml' || rel === 'package.json') return 'project-file';
  if (rel === 'package-lock.json' || rel === 'yarn.lock' || rel === 'pnpm-lock.yaml') return 'lock-file';
  if (policyPackDirs.some((d) => within(d, file))) return 'policy-pack';
  // Another stack's config file is not part of this stack's program.
  if (/(^|\/)Pulumi\.[^/]+\.yaml$/.test(file)) return undefined;
  if (within(project.programDir, file)) return 'program';
  return undefined;
}

/**
 * Decides which stacks a change affects: a stack's own config file affects
 * that stack; the program, Pulumi.yaml, package.json, the lock file or a
 * policy pack affect every stack of the project; anything else affects none.
 */
export function affectedStacks(
  projects: readonly ProjectLayout[],
  changedFiles: readonly string[],
  policyPackDirs: readonly string[] = [],
): AffectedStack[] {
  const out = new Map<string, AffectedStack>();
  const add = (a: AffectedStack) => {
    const key = `${a.project}\u0000${a.stack}`;
    if (!out.has(key)) out.set(key, a);
  };
  for (const project of projects) {
    for (const file of changedFiles) {
      const own = project.stacks.find((s) => stackConfigPath(project, s) === file);
      if (own) {
        add({ project: project.dir, stack: own, reason: 'stack-config', file });
        continue;
      }
      const reason = projectWideReason(project, file, policyPackDirs);
      if (reason) for (const stack of project.stacks) add({ project: project.dir, stack, reason, file });
    }
  }
  return [...out.values()].sort((a, b) => a.project.localeCompare(b.project) || a.stack.localeCompare(b.stack));
}
