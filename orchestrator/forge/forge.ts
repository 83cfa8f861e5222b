import type { RunRecord } from '../records/run-record.ts';

/** Where pull-request previews are posted back. */
export interface ForgeAdapter {
  /** Posts a preview of a pull request: a comment and a commit status. */
  reportPreview(target: { repoName: string; number: number; sha: string }, run: RunRecord): Promise<void>;
}
