import type { RunRecord } from '../records/run-record.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import type { WorkerContext } from './worker-context.ts';

/** A pull request's preview goes back to its forge; a forge that fails does not fail the run. */
export async function postPreview(ctx: WorkerContext, r: RunRecord): Promise<void> {
  if (r.trigger.kind !== 'pull_request') return;
  const forge = ctx.deps.forge?.(r.target.repo);
  if (!forge) return;
  try {
    await forge.reportPreview({ repoName: r.trigger.repoName, number: r.trigger.number, sha: r.commit }, r);
  } catch (err) {
    ctx.emit(timelineEvent('error', `could not post the preview of ${r.stackKey} to pull request #${r.trigger.number}: ${(err as Error).message}`, { stack: r.target.stack, commit: r.commit }));
  }
}
