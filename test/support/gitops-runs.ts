import assert from 'node:assert/strict';
import type { RunRecord } from '../../orchestrator/records/run-record.ts';
import { WEBHOOK_SECRET, type GitopsFixture } from './gitops-fixture.ts';
import { pushPayload, sendGithubWebhook } from './webhooks.ts';

/** Commits a new sandbox capacity, pushes it and announces the push to `hook` as GitHub would; returns the commit. */
export async function pushCapacity(fx: GitopsFixture, hook: string, capacity: number, before: string): Promise<string> {
  fx.setStackConfig('sandbox:capacity', String(capacity));
  const commit = await fx.repo.commitAndPush(`capacity ${capacity}`);
  const res = await sendGithubWebhook(hook, { event: 'push', secret: WEBHOOK_SECRET, payload: pushPayload(fx.repo.remote, 'refs/heads/main', before, commit) });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return commit;
}

/** Runs that held the stack (skips never take the lock). */
export function heldRuns(runs: RunRecord[]): RunRecord[] {
  return runs.filter((r) => r.status !== 'skipped' && r.timings.startedAt && r.timings.finishedAt);
}

/** Fails naming the two runs when any two runs of the stack overlapped in time. */
export function assertNoOverlap(runs: RunRecord[]): void {
  const spans = heldRuns(runs)
    .map((r) => ({ id: r.id, start: Date.parse(r.timings.startedAt!), end: Date.parse(r.timings.finishedAt!) }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    assert.ok(
      spans[i]!.start >= spans[i - 1]!.end,
      `run ${spans[i]!.id} started before ${spans[i - 1]!.id} finished:\n${runs.map((r) => `${r.id} ${r.commit.slice(0, 7)} ${r.status}/${r.reason ?? ''} ${r.worker} fence=${r.fence} ${r.timings.startedAt}..${r.timings.finishedAt}`).join('\n')}`,
    );
  }
}
