/**
 * What a fault trial must leave behind, judged from the records, Git and the
 * state backend after the fault (pure: the bench gathers the facts). None of
 * it knows which fault was injected: every trial is held to every rule.
 */

/** What was observed after one trial settled (or gave up waiting). */
export interface TrialFacts {
  /** Commits pushed to the deploy branch in this trial, oldest first. */
  pushed: string[];
  /** The stack's applied commit as the backend's history says (the truth that survives Redis). */
  backendApplied: string | undefined;
  /** How many successful updates of ours the backend's history records for each of this trial's commits. */
  appliesPerCommit: ReadonlyMap<string, number>;
  /** Run records of the stack: commit, status and reason. */
  runs: { commit: string; status: string; reason?: string | undefined; phase?: string | undefined }[];
  /** Whether the audit chain verified. */
  auditOk: boolean;
  /** A foreign engine lock that was planted: whether it was still there, byte for byte, when its owner let go. */
  foreignLockKept?: boolean;
}

export interface TrialVerdict {
  survived: boolean;
  /** Pushes with neither a run record nor a `Superseded` skip (which is a run record too). */
  lostPushes: number;
  /** Applies beyond the first of a commit. */
  duplicateApplies: number;
  /** Runs still recorded as running after the trial settled. */
  stuckRuns: number;
  foreignLocksCleared: number;
  /** Each broken rule, in words. */
  problems: string[];
}

export function judgeTrial(facts: TrialFacts): TrialVerdict {
  const problems: string[] = [];
  const newest = facts.pushed.at(-1);
  if (newest !== undefined && facts.backendApplied !== newest) {
    problems.push(`the stack ended at ${facts.backendApplied?.slice(0, 12) ?? 'nothing'}, not at the newest push ${newest.slice(0, 12)}`);
  }
  let lostPushes = 0;
  for (const commit of facts.pushed) {
    const recorded = facts.runs.some((r) => r.commit === commit);
    if (!recorded) {
      lostPushes++;
      problems.push(`push ${commit.slice(0, 12)} has no run record and no Superseded skip`);
    }
  }
  let duplicateApplies = 0;
  for (const [commit, n] of facts.appliesPerCommit) {
    if (n > 1) {
      duplicateApplies += n - 1;
      problems.push(`commit ${commit.slice(0, 12)} was applied ${n} times`);
    }
  }
  const stuck = facts.runs.filter((r) => r.status === 'running');
  for (const r of stuck) problems.push(`a run of ${r.commit.slice(0, 12)} is still recorded running (${r.phase ?? '?'})`);
  if (!facts.auditOk) problems.push('the audit chain does not verify');
  const foreignLocksCleared = facts.foreignLockKept === false ? 1 : 0;
  if (foreignLocksCleared) problems.push('a foreign engine lock was removed or changed by Homeostat');
  return { survived: problems.length === 0, lostPushes, duplicateApplies, stuckRuns: stuck.length, foreignLocksCleared, problems };
}
