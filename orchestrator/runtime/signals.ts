/**
 * Resolves on the first SIGINT or SIGTERM; a second one exits at once,
 * after `sayForced` has said so.
 * The listeners stay installed (not `once`): libraries that spawn children
 * (signal-exit, used by the engine's process runner) re-raise a signal when
 * they find no other listener left, which would kill us mid-shutdown.
 */
export function untilSignalled(sayForced: (signal: NodeJS.Signals) => void = (signal) => console.error(`homeostat: ${signal} again, exiting without waiting`)): Promise<void> {
  return new Promise<void>((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        sayForced(signal);
        process.exit(130);
      }
      received = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
