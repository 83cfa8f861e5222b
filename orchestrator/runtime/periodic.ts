/**
 * A task run every `everyMs` until stopped. `stop()` starts no new run and
 * waits for the one under way, so no run outlives the connections it uses;
 * a run that fails after `stop()` (its Redis closing under it during
 * shutdown) is not reported, one that fails while running is.
 */
export interface Periodic {
  stop(): Promise<void>;
}

export function every(everyMs: number, task: () => Promise<unknown>, onError: (err: Error) => void, opts: { runAtStart?: boolean } = {}): Periodic {
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const run: Promise<void> = task()
      .then(
        () => undefined,
        (err: unknown) => {
          if (!stopped) onError(err instanceof Error ? err : new Error(String(err)));
        },
      )
      .finally(() => inFlight.delete(run));
    inFlight.add(run);
  };
  if (opts.runAtStart) tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
