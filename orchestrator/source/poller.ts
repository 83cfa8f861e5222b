import type { Redis } from 'ioredis';
import type { IntakeQueue } from '../intake/intake-queue.ts';
import { observedPush } from './git-event.ts';
import { git } from './git.ts';
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
  const timers: NodeJS.Timeout[] = [];
  const emit = deps.emit ?? (() => {});
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

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

  for (const repo of deps.repos.filter((r) => r.pollIntervalSeconds > 0)) {
    const tick = () => {
      if (stopped) return;
      // A poll that fails because the service is shutting down (its Redis
      // closing under it) is not news; one that fails while running is.
      const poll = pollOnce(repo)
        .catch((err: Error) => {
          if (!stopped) emit(timelineEvent('error', `poll of ${repo.id} failed: ${err.message}`));
        })
        .finally(() => inFlight.delete(poll));
      inFlight.add(poll);
    };
    void tick();
    const timer = setInterval(tick, repo.pollIntervalSeconds * 1000);
    timer.unref();
    timers.push(timer);
  }
  return {
    pollOnce,
    /** No new polls; waits for the ones under way, so none outlives the connections it uses. */
    async stop(): Promise<void> {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.all(inFlight);
    },
  };
}
