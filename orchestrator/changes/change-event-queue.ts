import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { parseChangeMessage } from './change-event.ts';
import type { ChangeStore } from './change-store.ts';
import { resourceIndex, stacksOfChange, type StackChange, type StackOutputs } from './stack-resources.ts';

/**
 * The change-event source: an SQS queue that an EventBridge rule targets
 * (CloudTrail API calls and Auto Scaling activities of the account), long-polled.
 *
 * Why a queue: EventBridge pushes, and Homeostat must not lose what arrives
 * while it restarts. SQS holds the events until they are read, lets any
 * number of Homeostat processes share the reading, and redelivers a message
 * whose reader died before deleting it. A message is deleted only after its
 * event is recorded (or judged not to be one of ours), so a crash in between
 * means a redelivery, which the store ignores by event id.
 */
export interface ChangeEventQueueDeps {
  /** The queue the EventBridge rule delivers to. */
  queueUrl: string;
  store: ChangeStore;
  /** The stacks and their last applied outputs, read afresh for every batch (a new apply names new resources). */
  stacks: () => Promise<readonly StackOutputs[]>;
  /** An SQS client to use instead of one made from the options below. */
  client?: SQSClient;
  endpoint?: string;
  region?: string;
  credentials?: SQSClientConfig['credentials'];
  /** Long-poll wait, seconds (0 to 20). @defaultValue 20 */
  waitSeconds?: number;
  /** Called for each message that is skipped, with the reason. Never given the message body. */
  onSkipped?: (skip: SkippedMessage) => void;
  /** Called with the batch's changes once they are recorded, again on a redelivery (so it must be idempotent); a throw leaves the batch on the queue. */
  onRecorded?: (changes: readonly StackChange[]) => Promise<void> | void;
}

export interface SkippedMessage {
  messageId: string;
  reason: 'invalid' | 'not-a-change' | 'not-ours';
  message: string;
}

export interface ChangePollSummary {
  received: number;
  /** Newly recorded (a redelivered event counts once). */
  recorded: number;
  skipped: SkippedMessage[];
  changes: StackChange[];
}

// eslint-disable-next-line max-lines-per-function -- a factory: receive, record and delete share one SQS client and the counts they report
export function createChangeEventQueue(deps: ChangeEventQueueDeps) {
  const client =
    deps.client ??
    new SQSClient({
      ...(deps.endpoint !== undefined ? { endpoint: deps.endpoint } : {}),
      ...(deps.region !== undefined ? { region: deps.region } : {}),
      ...(deps.credentials !== undefined ? { credentials: deps.credentials } : {}),
    });
  const waitSeconds = Math.min(20, Math.max(0, deps.waitSeconds ?? 20));
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;

  async function handle(messages: readonly Message[]): Promise<ChangePollSummary> {
    const index = resourceIndex(await deps.stacks());
    const changes: StackChange[] = [];
    const skipped: SkippedMessage[] = [];
    for (const m of messages) {
      const messageId = m.MessageId ?? '?';
      const parsed = parseChangeMessage(m.Body ?? '');
      if (!parsed.ok) {
        skipped.push({ messageId, reason: parsed.reason, message: parsed.message });
        continue;
      }
      const stackKeys = stacksOfChange(parsed.event, index);
      if (stackKeys.length === 0) {
        skipped.push({ messageId, reason: 'not-ours', message: `event ${parsed.event.id}: ${parsed.event.eventName} on ${parsed.event.resources.join(', ') || 'no named resource'} touches none of the stacks` });
        continue;
      }
      changes.push({ ...parsed.event, stackKeys });
    }
    // Record before deleting: if this throws, nothing is deleted and SQS delivers the batch again.
    const recorded = await deps.store.record(changes);
    // Before the delete, like the record: what it asks for (a drift check) is asked again on the redelivery.
    if (changes.length > 0) await deps.onRecorded?.(changes);
    for (const s of skipped) deps.onSkipped?.(s);
    return { received: messages.length, recorded, skipped, changes };
  }

  async function deleteAll(messages: readonly Message[], signal?: AbortSignal): Promise<void> {
    const entries = messages.filter((m) => m.ReceiptHandle).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
    if (entries.length === 0) return;
    const out = await client.send(new DeleteMessageBatchCommand({ QueueUrl: deps.queueUrl, Entries: entries }), signal ? { abortSignal: signal } : {});
    // A failed delete only means a redelivery, which the store ignores; say so rather than throw.
    if (out.Failed?.length) throw new Error(`change queue: ${out.Failed.length} message(s) not deleted (${out.Failed.map((f) => f.Code).join(', ')}); they will be delivered again`);
  }

  /** One receive (up to 10 messages, waiting up to `waitSeconds`), recorded, then deleted. */
  async function pollOnce(signal?: AbortSignal): Promise<ChangePollSummary> {
    const out = await client.send(
      new ReceiveMessageCommand({ QueueUrl: deps.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
      signal ? { abortSignal: signal } : {},
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return { received: 0, recorded: 0, skipped: [], changes: [] };
    const summary = await handle(messages);
    await deleteAll(messages, signal);
    return summary;
  }

  return {
    pollOnce: () => pollOnce(),
    /** Polls until {@link stop}; an error is reported and the loop waits `retryMs` before the next receive. */
    start(onError: (err: Error) => void, retryMs = 5000): void {
      if (running) return;
      controller = new AbortController();
      const signal = controller.signal;
      running = (async () => {
        while (!signal.aborted) {
          try {
            await pollOnce(signal);
          } catch (err) {
            if (signal.aborted) break;
            onError(err instanceof Error ? err : new Error(String(err)));
            await new Promise((r) => setTimeout(r, retryMs));
          }
        }
      })();
    },
    async stop(): Promise<void> {
      controller?.abort();
      await running;
      running = undefined;
    },
    close(): void {
      if (!deps.client) client.destroy();
    },
  };
}
