import type { Redis } from 'ioredis';

/**
 * One update per stack at a time, across every worker process: a Redis lease
 * (`SET key token NX PX lease`) that its holder renews while it works, with a
 * fencing token from a per-stack counter. A holder that stalls past its lease
 * loses the lock; the fencing token lets the records refuse its late writes.
 *
 * Chosen over BullMQ's own mechanisms because group concurrency is a BullMQ
 * Pro feature, and a global concurrency of one would serialise all stacks.
 */
export interface StackLease {
  readonly key: string;
  /** Increases with every acquisition of this stack's lock. */
  readonly fence: number;
  /** Whether the lease is still ours (false once lost or released). */
  held(): boolean;
  /**
   * Aborted when the lease is lost while held: another holder has the key, or
   * no renewal got through for half a lease (Redis unreachable), which leaves
   * the other half for whatever runs under the lease to stop before the key
   * can expire. Its reason is a {@link LeaseLostError}.
   */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/** The stack's lease ran out or passed to another worker while a run held it. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly reason = 'LeaseLost';
}

export interface StackLockOptions {
  /** Key prefix; default `homeostat`. */
  prefix?: string;
  /** Lease length in ms; default 30 000. Renewed every fifth of it. */
  leaseMs?: number;
}

// Takes the lock and, only then, draws the next fencing token: a failed
// attempt must not move the token, or it would fence out the holder.
const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  local fence = redis.call('incr', KEYS[2])
  redis.call('set', KEYS[1], ARGV[1] .. '#' .. fence, 'PX', ARGV[2])
  return fence
end
return 0`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createStackLock(redis: Redis, options: StackLockOptions = {}) {
  const prefix = options.prefix ?? 'homeostat';
  const leaseMs = options.leaseMs ?? 30_000;
  const lockKey = (stack: string) => `${prefix}:lock:${stack}`;
  const fenceKey = (stack: string) => `${prefix}:fence:${stack}`;

  return {
    /** Takes the stack's lock, or returns undefined when another holder has it. */
    async tryAcquire(stack: string, owner: string): Promise<StackLease | undefined> {
      const asked = Date.now();
      const fence = Number(await redis.eval(ACQUIRE, 2, lockKey(stack), fenceKey(stack), owner, String(leaseMs)));
      if (fence === 0) return undefined;
      const token = `${owner}#${fence}`;
      let held = true;
      let renewedAt = asked;
      const lost = new AbortController();
      const lose = (why: string) => {
        if (!held) return;
        held = false;
        clearInterval(timer);
        lost.abort(new LeaseLostError(`lost the lease of ${stack} (fence ${fence}): ${why}`));
      };
      const timer = setInterval(() => {
        // The key lives a lease from the last renewal that got through: the holder gives up at
        // half of that, so that what runs under the lease can stop before anyone else may start.
        if (Date.now() - renewedAt > leaseMs / 2) return lose(`no renewal reached Redis for ${Date.now() - renewedAt} ms (lease ${leaseMs} ms)`);
        const sent = Date.now();
        redis
          .eval(RENEW, 1, lockKey(stack), token, String(leaseMs))
          .then((r) => {
            if (r === 1) renewedAt = Math.max(renewedAt, sent);
            else lose('another worker holds it');
          })
          .catch(() => {
            // A failed renewal is retried on the next tick; the lease runs out on its own if Redis stays away.
          });
      }, Math.max(100, Math.floor(leaseMs / 5)));
      timer.unref();
      return {
        key: stack,
        fence,
        held: () => held,
        signal: lost.signal,
        async release() {
          clearInterval(timer);
          if (!held) return;
          held = false;
          await redis.eval(RELEASE, 1, lockKey(stack), token);
        },
      };
    },
    /** Who holds the stack's lock now, if anyone. */
    holder(stack: string): Promise<string | null> {
      return redis.get(lockKey(stack));
    },
  };
}
export type StackLock = ReturnType<typeof createStackLock>;
