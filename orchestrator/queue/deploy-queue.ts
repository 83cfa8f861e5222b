import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueue } from './open-queue.ts';
import { deployJobId, type DeployJobData, type Trigger } from './deploy-job.ts';
import { stackKey, type StackId } from '../model/stack-key.ts';

/** Name of the deploy queue; job names are `preview` or `apply`. */
export const DEPLOY_QUEUE = 'deploy';

const CAS = `local cur = redis.call('get', KEYS[1]) or ''
if cur == ARGV[1] then redis.call('set', KEYS[1], ARGV[2]) return 1 end
return 0`;

export type DeployJobName = 'preview' | 'apply' | 'drift';

/** How many attempts a stack and commit get before the stack stalls. */
export const MAX_ATTEMPTS = 3;

export interface EnqueueResult {
  jobId: string;
  /** False when a job with this id already existed (a repeated delivery): nothing was added. */
  added: boolean;
}

export interface DeployQueue {
  readonly queue: Queue<DeployJobData, unknown, DeployJobName>;
  /**
   * Adds a job unless one with the same content id exists. `suffix` makes a
   * deliberate second run of the same commit distinct (a drift check, a
   * reconcile, a manual re-run).
   */
  enqueue(
    target: StackId,
    commit: string,
    apply: boolean,
    trigger: Trigger,
    options?: {
      mode?: 'deploy' | 'drift';
      suffix?: string;
      /**
       * Whether `commit` is newer than the stack's current newest commit (its
       * descendant in Git). Events can be planned out of order; without this,
       * the last to arrive wins.
       */
      isNewerThan?: (latestCommit: string) => Promise<boolean>;
      /** The stack's place in the graph at intake (see `DeployJobData.graph`). */
      graph?: DeployJobData['graph'];
    },
  ): Promise<EnqueueResult>;
  /** Id of the newest apply job of a stack: any other apply job of the stack is superseded ("latest wins"). */
  latestApply(target: StackId): Promise<string | null>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The deploy queue: typed payloads, content ids, latest wins per stack. */
export function createDeployQueue(connection: Redis, prefix = 'homeostat'): DeployQueue {
  const queue = openQueue<DeployJobData, unknown, DeployJobName>(DEPLOY_QUEUE, connection, prefix);
  const latestKey = (target: StackId) => `${prefix}:latest:${stackKey(target)}`;

  /**
   * Makes `jobId` the stack's newest apply job unless the current newest is a
   * later commit. Compare-and-set, so two processes planning events at once
   * cannot both win.
   */
  async function claimLatest(target: StackId, jobId: string, isNewerThan?: (latest: string) => Promise<boolean>): Promise<void> {
    for (let tries = 0; tries < 10; tries++) {
      const current = await connection.get(latestKey(target));
      const currentCommit = current ? /@([0-9a-f]{40})/.exec(current)?.[1] : undefined;
      if (current && currentCommit && isNewerThan && !(await isNewerThan(currentCommit))) return;
      const ok = await connection.eval(CAS, 1, latestKey(target), current ?? '', jobId);
      if (ok === 1) return;
    }
    throw new Error(`could not record the newest job of ${stackKey(target)}: too much contention`);
  }

  return {
    queue,
    async enqueue(target, commit, apply, trigger, options = {}) {
      const jobId = deployJobId(target, commit, apply, options.suffix);
      // A repeated delivery finds its job and changes nothing, not even which job is newest.
      if (await queue.getJob(jobId)) return { jobId, added: false };
      // The newest apply job of a stack wins; workers skip the others.
      if (apply) await claimLatest(target, jobId, options.isNewerThan);
      const data: DeployJobData = { target, commit, apply, mode: options.mode ?? 'deploy', trigger, enqueuedAt: new Date().toISOString(), ...(options.graph ? { graph: options.graph } : {}) };
      await queue.add(options.mode === 'drift' ? 'drift' : apply ? 'apply' : 'preview', data, {
        jobId,
        attempts: MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: 2000 },
        // Keep finished jobs for a week so a redelivered webhook finds them and adds nothing.
        removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      });
      return { jobId, added: true };
    },
    latestApply(target) {
      return connection.get(latestKey(target));
    },
    async counts() {
      return queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    },
    close: () => queue.close(),
  };
}
