/**
 * Turns the poller's callback into an async iterator, with backpressure: the
 * poller's `send` waits while `capacity` events are unread, so a slow
 * consumer slows polling instead of growing memory, and the poller commits
 * watermarks only for events the channel took. Pure.
 */
export interface EventChannel<T> {
  /** Hands an event over; resolves once it is buffered. Rejects after `close()`. */
  send(event: T): Promise<void>;
  /** Ends the iteration once the buffer is drained. */
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** @param capacity - unread events buffered before `send` waits; default 16. */
export function createEventChannel<T>(capacity = 16): EventChannel<T> {
  const buffer: T[] = [];
  const readers: ((r: IteratorResult<T>) => void)[] = [];
  const writers: (() => void)[] = [];
  let closed = false;

  function wakeWriter(): void {
    writers.shift()?.();
  }

  return {
    async send(event) {
      if (closed) throw new Error('event channel is closed');
      const reader = readers.shift();
      if (reader) {
        reader({ value: event, done: false });
        return;
      }
      while (buffer.length >= capacity && !closed) await new Promise<void>((resolve) => writers.push(resolve));
      if (closed) throw new Error('event channel is closed');
      buffer.push(event);
    },
    close() {
      closed = true;
      for (const r of readers.splice(0)) r({ value: undefined, done: true });
      for (const w of writers.splice(0)) w();
    },
    [Symbol.asyncIterator]() {
      return {
        next(): Promise<IteratorResult<T>> {
          if (buffer.length > 0) {
            const value = buffer.shift()!;
            wakeWriter();
            return Promise.resolve({ value, done: false });
          }
          if (closed) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => readers.push(resolve));
        },
        return(): Promise<IteratorResult<T>> {
          closed = true;
          for (const w of writers.splice(0)) w();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}
