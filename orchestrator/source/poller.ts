import type { Redis } from 'ioredis';
import type { IntakeQueue } from '../intake/intake-queue.ts';
import { observedPush } from './git-event.ts';
import { git } from './git.ts';
import { every } from '../runtime/periodic.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

export interface PolledRepo {
  id: string;
  url: string;
  deployBranch: string;
  pollIntervalSeconds: number;
}

/**
 * The fallback where webhooks cannot reach: `git ls-remote` of each deploy
 * branch at its interval; a new head becomes a push event. The last head
 * seen is kept in Redis, so every process agrees and a restart does not
 * replay; a repeated event is dropped by the intake queue anyway.
 */
export function startPoller(deps: { redis: Redis; prefix: string; repos: readonly PolledRepo[]; intake: IntakeQueue; emit?: TimelineSink }) {
  const emit = deps.emit ?? (() => {});

  async function pollOnce(repo: PolledRepo): Promise<void> {
    const ref = `refs/heads/${repo.deployBranch}`;
    const out = await git(['ls-remote', repo.url, ref]);
    const head = out.split(/\s+/)[0];
    if (!head || !/^[0-9a-f]{40}$/.test(head)) return;
    const key = `${deps.prefix}:poll:${repo.id}`;
    const previous = await deps.redis.getset(key, head);
    if (previous === head) return;
    await deps.intake.add(
      observedPush({ deliveryId: `poll-${repo.id}-${head}`, repoId: repo.id, url: repo.url, branch: repo.deployBranch, before: previous && /^[0-9a-f]{40}$/.test(previous) ? previous : undefined, after: head }),
    );
  }

  const tasks = deps.repos
    .filter((r) => r.pollIntervalSeconds > 0)
    .map((repo) => every(repo.pollIntervalSeconds * 1000, () => pollOnce(repo), (err) => emit(timelineEvent('error', `poll of ${repo.id} failed: ${err.message}`)), { runAtStart: true }));
  return {
    pollOnce,
    /** No new polls; waits for the ones under way. */
    async stop(): Promise<void> {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}
