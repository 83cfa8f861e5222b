import { parse } from 'yaml';
import { git } from '../orchestrator/source/git.ts';
import type { RemediationCommit } from './observations.ts';
import type { DeployBranch } from './verdicts/manual-change-verdict.ts';

/**
 * What the sandbox reads back from its Git remote to judge a run: the
 * remediation commits on the deploy branch (those with a
 * `Homeostat-Playbook` trailer), newest first.
 */

const FIELD = '\x1f';
const RECORD = '\x1e';

/** Parses `git log` output in {@link LOG_FORMAT}. Pure. */
export function parseRemediationLog(out: string): RemediationCommit[] {
  const commits: RemediationCommit[] = [];
  for (const rec of out.split(RECORD)) {
    const [sha, author, subject, playbook, revertOf] = rec.replace(/^\s+/, '').split(FIELD).map((f) => f.trim());
    if (!sha || !playbook) continue;
    commits.push({ sha, author: author ?? '', subject: subject ?? '', playbook, ...(revertOf ? { revertOf } : {}) });
  }
  return commits;
}

const LOG_FORMAT = ['%H', '%an', '%s', '%(trailers:key=Homeostat-Playbook,valueonly,separator=%x2C)', '%(trailers:key=Homeostat-Revert-Of,valueonly,separator=%x2C)'].join('%x1f') + '%x1e';

/** The remediation commits on `branch` of the bare repository `gitDir`, newest first. */
export async function remediationCommits(gitDir: string, branch = 'main'): Promise<RemediationCommit[]> {
  return parseRemediationLog(await git(['--git-dir', gitDir, 'log', `--format=${LOG_FORMAT}`, branch]));
}

/** A file's content on `branch` of the bare repository `gitDir`. */
export function fileAt(gitDir: string, branch: string, path: string): Promise<string> {
  return git(['--git-dir', gitDir, 'show', `${branch}:${path}`]);
}

/** The head of `branch` and the `config:` values of the stack file `path` there: what Git says is deployed. */
export async function deployBranchOf(gitDir: string, path: string, branch = 'main'): Promise<DeployBranch> {
  const commit = (await git(['--git-dir', gitDir, 'rev-parse', `${branch}^{commit}`])).trim();
  const doc: unknown = parse(await fileAt(gitDir, commit, path));
  const config = typeof doc === 'object' && doc !== null && 'config' in doc ? doc.config : undefined;
  if (typeof config !== 'object' || config === null) throw new Error(`${path} at ${commit.slice(0, 12)} has no config: section`);
  return { commit, config: config as Record<string, unknown> };
}
