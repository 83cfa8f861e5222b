import { createChangeEventQueue } from '../changes/change-event-queue.ts';
import type { ChangeStore } from '../changes/change-store.ts';
import type { StackChange } from '../changes/stack-resources.ts';
import { parseStackKey } from '../model/stack-key.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import type { SharedParts } from './shared-parts.ts';

/**
 * The change-event reader of a worker process, where the config names a
 * queue: it long-polls the queue and records the changes of the stacks
 * (mapped by their last applied outputs). A change made by a person queues
 * a drift check of its stacks at once, rather than at the next drift tick:
 * the check records the drift with the event that explains it, and where the
 * repository's `drift.action` is `reconcile`, applies Git's commit again
 * through the ordinary deploy path. Returns its stop, or nothing when no
 * queue is configured.
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
    onRecorded: async (changes) => {
      for (const ch of changes) parts.emit(timelineEvent('change', `${ch.principal} ${ch.eventName} on ${ch.resources[0] ?? '?'} (${ch.stackKeys.join(', ')})`, { stack: ch.stackKeys[0]?.split('/').pop() ?? '?' }));
      await queueDriftChecks(parts, changes);
    },
  });
  reader.start((err) => parts.emit(timelineEvent('error', `change events: ${err.message}`)));
  return async () => {
    await reader.stop();
    reader.close();
  };
}

/** One drift check per stack a manual change touched, its job id from the newest such event (a redelivery queues nothing more). */
async function queueDriftChecks(parts: SharedParts, changes: readonly StackChange[]): Promise<void> {
  const newest = new Map<string, StackChange>();
  for (const ch of changes) {
    if (!ch.manual) continue;
    for (const s of ch.stackKeys) if ((newest.get(s)?.at ?? -Infinity) <= ch.at) newest.set(s, ch);
  }
  for (const [stackKey, ch] of newest) {
    const status = await parts.store.status(stackKey);
    if (!status.appliedCommit) continue;
    const target = parseStackKey(stackKey);
    if (!parts.repo(target.repo)) continue;
    const suffix = `change-${ch.id.replace(/[^A-Za-z0-9-]/g, '').slice(0, 64)}`;
    await parts.deployQueue.enqueue(target, status.appliedCommit, false, { kind: 'drift', driftId: suffix }, { mode: 'drift', suffix });
  }
}
