import { createChangeEventQueue } from '../changes/change-event-queue.ts';
import type { ChangeStore } from '../changes/change-store.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import type { SharedParts } from './shared-parts.ts';

/**
 * The change-event reader of a worker process, where the config names a
 * queue: it long-polls the queue and records the changes of the stacks
 * (mapped by their last applied outputs). Returns its stop, or nothing when
 * no queue is configured.
 */
export function startChangeReader(parts: SharedParts, store: ChangeStore): (() => Promise<void>) | undefined {
  const c = parts.config.changeEvents;
  if (!c.queueUrl) return undefined;
  const reader = createChangeEventQueue({
    queueUrl: c.queueUrl,
    store,
    stacks: () => parts.store.statuses(),
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    ...(c.region ? { region: c.region } : {}),
    waitSeconds: c.waitSeconds,
    // The reason names the event and the field, never the body (it may quote request parameters).
    onSkipped: (s) => parts.emit(timelineEvent('error', `change event ${s.messageId} skipped (${s.reason}): ${s.message}`)),
    onRecorded: (changes) => {
      for (const ch of changes) parts.emit(timelineEvent('change', `${ch.principal} ${ch.eventName} on ${ch.resources[0] ?? '?'} (${ch.stackKeys.join(', ')})`, { stack: ch.stackKeys[0]?.split('/').pop() ?? '?' }));
    },
  });
  reader.start((err) => parts.emit(timelineEvent('error', `change events: ${err.message}`)));
  return async () => {
    await reader.stop();
    reader.close();
  };
}
