import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NotificationsConfig, NotifyTarget } from '../config/notify-config.ts';
import { openQueue } from '../queue/open-queue.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';
import type { TimelineSink } from '../timeline/timeline-event.ts';
import { notificationOf, type Notification } from './notification.ts';
import { cloudEvent, slackMessage } from './payloads.ts';
import { routesFor } from './routing.ts';

/** The queue of messages to send: one job per notification and target. */
export const NOTIFY_QUEUE = 'notifications';

interface DeliveryJob {
  targetId: string;
  notification: Notification;
}

/** A message that failed every try, as the API lists it. */
export interface DeadLetter {
  id: string;
  target: string;
  kind: Notification['kind'];
  title: string;
  stack?: string;
  incident?: string;
  /** When the step it tells of happened. */
  at: string;
  attempts: number;
  /** The last error: the target's id and what went wrong, never its address. */
  error: string;
  failedAt?: string;
}

export interface NotifierDeps {
  connection: Redis;
  prefix: string;
  config: NotificationsConfig;
  /** Whether this process sends (a worker) or only queues (an API-only process). */
  deliver: boolean;
  /** CloudEvents `source` of this deployment; default `homeostat`. */
  source?: string;
  /** Told when a message could not be queued, or failed its last try: never blocks the loop. */
  onError?: (message: string) => void;
}

/** Header names of a webhook's signature: the receiver recomputes it over `<timestamp>.<body>`. */
export const SIGNATURE_HEADER = 'x-homeostat-signature';
export const TIMESTAMP_HEADER = 'x-homeostat-timestamp';

/** `sha256=<hex>`: HMAC-SHA256 with the target's secret over `<timestamp>.<body>`, so a replay with another time fails. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: the signature matches and the timestamp is within `toleranceSeconds` of now. */
export function verifySignature(secret: string, headers: { timestamp?: string; signature?: string }, body: string, nowMs = Date.now(), toleranceSeconds = 300): boolean {
  const { timestamp, signature: given } = headers;
  if (!timestamp || !given || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const want = Buffer.from(signature(secret, timestamp, body));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The request for one target; its address stays inside the function that sends it. */
function requestFor(target: NotifyTarget, n: Notification, config: NotificationsConfig, source: string): { headers: Record<string, string>; body: string } {
  if (target.kind === 'slack') return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackMessage(n, config.dashboardUrl)) };
  const body = JSON.stringify(cloudEvent(n, source));
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    headers: { 'content-type': 'application/cloudevents+json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature(target.secret!.reveal(), timestamp, body) },
    body,
  };
}

/** Answers a later try may change: the receiver is down or busy; other 4xx will not get better. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

async function send(target: NotifyTarget, n: Notification, config: NotificationsConfig, source: string): Promise<void> {
  const { headers, body } = requestFor(target, n, config, source);
  let res: Response;
  try {
    res = await fetch(target.url.reveal(), { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(config.timeoutSeconds * 1000) });
  } catch (err) {
    // Only the kind of failure: a fetch error's text may carry the address, and the address is the secret.
    const e = err as Error & { cause?: { code?: string } };
    // eslint-disable-next-line preserve-caught-error -- the cause is left off on purpose: its text may hold the address
    throw new Error(`${target.id}: ${e.name === 'TimeoutError' ? `no answer within ${config.timeoutSeconds} s` : `could not reach the receiver (${e.cause?.code ?? e.name})`}`);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return;
  const error = `${target.id}: the receiver answered HTTP ${res.status}`;
  if (!retryable(res.status)) throw new UnrecoverableError(error);
  throw new Error(error);
}

/**
 * Notifications: a timeline sink that queues a message for each target that
 * wants the event, and (in worker processes) a BullMQ worker that sends them,
 * retrying with exponential backoff. A message that fails every try stays in
 * the queue's failed set, the dead-letter list the API shows. Queuing never
 * waits and never throws into the loop: a receiver that is down, slow or
 * refusing costs the loop nothing.
 */
export function startNotifier(deps: NotifierDeps) {
  const { config } = deps;
  const source = deps.source ?? 'homeostat';
  const onError = deps.onError ?? (() => {});
  const targets = new Map(config.targets.map((t) => [t.id, t]));
  const queue = openQueue<DeliveryJob>(NOTIFY_QUEUE, deps.connection, deps.prefix);
  const worker =
    deps.deliver && targets.size > 0
      ? new Worker<DeliveryJob>(
          NOTIFY_QUEUE,
          async (job: Job<DeliveryJob>) => {
            const target = targets.get(job.data.targetId);
            // A target taken out of the config since: nothing to send to.
            if (!target) return;
            await send(target, job.data.notification, config, source);
          },
          { connection: deps.connection, prefix: deps.prefix, concurrency: 4 },
        )
      : undefined;
  worker?.on('error', throttledErrors((err) => onError(`notifications: ${err.message}`)));
  worker?.on('failed', (job, err) => {
    if (job && (job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError)) onError(`notification ${job.data.notification.kind} to ${job.data.targetId} failed for good: ${err.message}`);
  });

  async function enqueue(n: Notification): Promise<number> {
    const to = routesFor(n, config.targets);
    for (const t of to) {
      await queue.add(n.kind, { targetId: t.id, notification: n }, {
        jobId: `${n.id}-${t.id}`,
        attempts: config.attempts,
        backoff: { type: 'exponential', delay: Math.round(config.backoffSeconds * 1000) },
        removeOnComplete: { count: 1000 },
        // The dead-letter list: the last thousand, a week at most.
        removeOnFail: { count: 1000, age: 7 * 24 * 3600 },
      });
    }
    return to.length;
  }

  return {
    /** The timeline sink: never waits, never throws. */
    sink: ((event) => {
      if (config.targets.length === 0) return;
      const n = notificationOf(event, randomUUID());
      if (n) enqueue(n).catch((err: unknown) => onError(`notification ${n.kind} could not be queued: ${err instanceof Error ? err.message : String(err)}`));
    }) satisfies TimelineSink,
    /** Queues one notification for its targets; resolves with how many. */
    enqueue,
    /** Messages that failed every try, newest first. */
    async deadLetters(limit = 100): Promise<DeadLetter[]> {
      const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
      return jobs
        .filter((j): j is Job<DeliveryJob> => j !== undefined && j !== null)
        .map((j) => ({
          id: j.id ?? '',
          target: j.data.targetId,
          kind: j.data.notification.kind,
          title: j.data.notification.title,
          ...(j.data.notification.stack ? { stack: j.data.notification.stack } : {}),
          ...(j.data.notification.incident ? { incident: j.data.notification.incident } : {}),
          at: j.data.notification.at,
          attempts: j.attemptsMade,
          error: j.failedReason ?? '',
          ...(j.finishedOn ? { failedAt: new Date(j.finishedOn).toISOString() } : {}),
        }));
    },
    async close(): Promise<void> {
      await worker?.close();
      await queue.close();
    },
  };
}
export type Notifier = ReturnType<typeof startNotifier>;
