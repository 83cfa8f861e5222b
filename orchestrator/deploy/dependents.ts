import { directDependentsOf, graphOfStatuses } from '../graph/stack-graph.ts';
import { parseStackKey } from '../model/stack-key.ts';
import type { RunRecord } from '../records/run-record.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * After an apply that changed a stack's outputs, the stacks that read them
 * are applied too, even though their own files did not change: their
 * programs read the new values only when they run. A dependent of the same
 * repository runs at the commit just applied (the deploy branch's newest);
 * one of another repository at its own applied commit. Each waits for its
 * other dependencies at the deploy worker's gate.
 */
export async function queueDependents(ctx: WorkerContext, run: RunRecord): Promise<string[]> {
  // The apply says which outputs it changed (an outputs-only apply is `applied` too, see deploy-stack.ts).
  if (run.status !== 'applied' || !run.changedOutputs?.length) return [];
  const statuses = await ctx.deps.store.statuses();
  const queued: string[] = [];
  for (const dependent of directDependentsOf(graphOfStatuses(statuses), run.stackKey)) {
    const target = parseStackKey(dependent);
    const repo = ctx.deps.repo(target.repo);
    const commit = target.repo === run.target.repo ? run.commit : statuses.find((s) => s.stackKey === dependent)?.appliedCommit;
    if (!repo || !commit) continue;
    await ctx.deps.queue.enqueue(target, commit, true, { kind: 'dependency', stackKey: run.stackKey, runId: run.id }, {
      suffix: `after-${run.id}`,
      // A newer commit of the dependent, queued meanwhile, reads the new outputs anyway: it stays the one to run.
      isNewerThan: async (latest) => latest === commit || !(await ctx.deps.fetcher.isAncestor(repo.url, commit, latest)),
    });
    queued.push(dependent);
  }
  if (queued.length > 0) {
    ctx.emit(timelineEvent('push', `outputs of ${run.target.stack} changed (${run.changedOutputs.join(', ')}): applying the stacks that read them (${queued.join(', ')})`, { stack: run.target.stack, commit: run.commit, details: { dependents: queued } }));
  }
  return queued;
}
