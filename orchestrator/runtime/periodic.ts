/**
 * A task run every `everyMs` until stopped, one run at a time: a slow run
 * delays the next tick instead of overlapping it. `stop()` starts no new run
 * and waits for the one under way, so no run outlives the connections it
 * uses; a run that fails after `stop()` (its Redis closing under it during
 * shutdown) is not reported, one that fails while running is.
 */
export interface Periodic {
  /** Runs the task now unless a run is under way; resolves when that run ends. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function every(everyMs: number, task: () => Promise<unknown>, onError: (err: Error) => void, opts: { runAtStart?: boolean } = {}): Periodic {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= task()
      .then(
        () => undefined,
        (err: unknown) => {
          if (!stopped) onError(err instanceof Error ? err : new Error(String(err)));
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  if (opts.runAtStart) void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return {
    runNow: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
