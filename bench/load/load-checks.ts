/**
 * What `bench:load` checks from the records after a run, apart from the I/O
 * that gathers them: no push lost, no two updates of one stack overlapping,
 * and how long each pushed change took to be applied.
 */

/** One push as the bench made it: the commit, when its webhook was sent (ms), and the stacks whose files it changed. */
export interface PushFact {
  commit: string;
  sentAt: number;
  stacks: readonly string[];
}

/** One run record of a stack, reduced to what the checks read (times in ms). */
export interface RunFact {
  stackKey: string;
  commit: string;
  status: string;
  reason?: string;
  startedAt?: number;
  finishedAt?: number;
}

/** A span of time a stack was held by one update (run records in ms, or the backend's history in s). */
export interface Span {
  start: number;
  end: number;
}

export interface LoadVerdict {
  /** (push, stack) changes neither applied nor superseded by a later applied push, plus stacks left at the wrong commit. */
  lost: number;
  /** Pairs of updates of one stack whose times overlap, from the run records and from the backend's history. */
  overlapping: number;
  /** For each (push, stack) change, ms from the push's webhook to the end of the apply that carried it (its own or a later push's). */
  latencies: number[];
  problems: string[];
}

const APPLIED = new Set(['applied', 'unchanged']);

/** How many updates started before an earlier-started one of the same stack had ended. */
export function countOverlaps(spans: readonly Span[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let overlaps = 0;
  let latestEnd = -Infinity;
  for (const s of sorted) {
    if (s.start < latestEnd) overlaps++;
    latestEnd = Math.max(latestEnd, s.end);
  }
  return overlaps;
}

/** Runs that held the stack: a skip never takes the lease. */
function heldSpans(runs: readonly RunFact[]): Span[] {
  return runs.filter((r) => r.status !== 'skipped' && r.startedAt !== undefined && r.finishedAt !== undefined).map((r) => ({ start: r.startedAt!, end: r.finishedAt! }));
}

function checkChange(pushes: readonly PushFact[], i: number, stack: string, runs: readonly RunFact[], out: LoadVerdict): void {
  const push = pushes[i]!;
  const own = runs.filter((r) => r.commit === push.commit);
  const recorded = own.some((r) => APPLIED.has(r.status) || (r.status === 'skipped' && r.reason === 'Superseded'));
  // Latest-wins: the change is carried by its own apply or by the apply of any later commit (which contains it).
  const carriers = new Set(pushes.slice(i).map((p) => p.commit));
  const carried = runs.filter((r) => APPLIED.has(r.status) && carriers.has(r.commit) && r.finishedAt !== undefined && r.finishedAt >= push.sentAt);
  if (!recorded || carried.length === 0) {
    out.lost++;
    const seen = own.map((r) => `${r.status}${r.reason ? `/${r.reason}` : ''}`).join(',') || 'no run';
    out.problems.push(`${stack}@${push.commit.slice(0, 12)}: ${carried.length === 0 ? 'never applied by it or a later push' : `recorded as ${seen}`}`);
    return;
  }
  out.latencies.push(Math.min(...carried.map((r) => r.finishedAt!)) - push.sentAt);
}

/**
 * Whether `commit` holds the stack's last change: it is the last push that
 * touched the stack or a later push (whose tree carries the same files).
 */
export function atOrAfterLastTouch(pushes: readonly PushFact[], stack: string, commit: string | undefined): boolean {
  const lastTouch = pushes.findLastIndex((p) => p.stacks.includes(stack));
  const at = pushes.findIndex((p) => p.commit === commit);
  return at >= 0 && at >= lastTouch;
}

/**
 * Judges a run: each (push, stack) change recorded as applied or skipped as
 * Superseded, and carried by an apply; each stack ending at the last commit
 * that touched it or a later one (`backendApplied`, read from the backend); no overlapping
 * updates per stack, in the run records and in the backend's history.
 */
export function judgeLoad(
  pushes: readonly PushFact[],
  runs: readonly RunFact[],
  backendApplied: ReadonlyMap<string, string | undefined>,
  backendHistory: ReadonlyMap<string, readonly Span[]>,
): LoadVerdict {
  const out: LoadVerdict = { lost: 0, overlapping: 0, latencies: [], problems: [] };
  const stacks = [...new Set(pushes.flatMap((p) => p.stacks))].sort();
  for (const stack of stacks) {
    const ofStack = runs.filter((r) => r.stackKey === stack);
    pushes.forEach((p, i) => {
      if (p.stacks.includes(stack)) checkChange(pushes, i, stack, ofStack, out);
    });
    const last = pushes.filter((p) => p.stacks.includes(stack)).at(-1)!.commit;
    const at = backendApplied.get(stack);
    if (!atOrAfterLastTouch(pushes, stack, at)) {
      out.lost++;
      out.problems.push(`${stack}: the backend is at ${at?.slice(0, 12) ?? 'nothing'}, not at the last push that touched it ${last.slice(0, 12)}`);
    }
    const fromRuns = countOverlaps(heldSpans(ofStack));
    const fromHistory = countOverlaps(backendHistory.get(stack) ?? []);
    if (fromRuns + fromHistory > 0) out.problems.push(`${stack}: ${fromRuns} overlapping runs, ${fromHistory} overlapping updates in the backend's history`);
    out.overlapping += fromRuns + fromHistory;
  }
  out.latencies.sort((a, b) => a - b);
  return out;
}
