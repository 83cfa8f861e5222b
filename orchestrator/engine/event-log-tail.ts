import { open as openFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';

/**
 * Follows the engine's `--event-log` file while it runs, passing each event
 * on once. `stop()` ends the tail and reads what the engine wrote last;
 * it throws what went wrong while tailing, if anything did.
 */
export function tailEventLog(path: string, onEvent: (e: EngineEvent) => void, everyMs = 50): { stop(): Promise<void> } {
  let offset = 0;
  let partial = Buffer.alloc(0);
  const seen = new Set<number>();

  function take(line: string): void {
    if (!line.trim()) return;
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      // Half a line from a log that was started again; its whole copy follows.
      return;
    }
    if (typeof event.sequence === 'number') {
      if (seen.has(event.sequence)) return;
      seen.add(event.sequence);
    }
    onEvent(event);
  }

  async function drain(): Promise<void> {
    const handle = await openFile(path, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      // A log that shrank was started again by the engine: read it from the top (events
      // already seen are recognised by their sequence number).
      if ((await handle.stat()).size < offset) {
        offset = 0;
        partial = Buffer.alloc(0);
      }
      for (;;) {
        const buf = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        // Split on bytes, not characters: a chunk may end inside a multi-byte character.
        partial = Buffer.concat([partial, buf.subarray(0, bytesRead)]);
        let nl: number;
        while ((nl = partial.indexOf(0x0a)) >= 0) {
          const line = partial.subarray(0, nl).toString('utf8');
          partial = partial.subarray(nl + 1);
          take(line);
        }
      }
    } finally {
      await handle.close();
    }
  }

  let done = false;
  let tailError: unknown;
  // Never an unhandled rejection: a failure of the tail is reported by stop().
  const loop = (async () => {
    while (!done) {
      await drain();
      await sleep(everyMs);
    }
  })().catch((err: unknown) => {
    tailError = err;
  });
  return {
    async stop() {
      done = true;
      await loop;
      if (tailError) throw tailError;
      await drain();
    },
  };
}
