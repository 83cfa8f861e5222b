/**
 * Passes an error on at most once per window for each message. ioredis and
 * BullMQ retry a lost Redis by themselves and report every failed attempt;
 * one line per kind of error and minute says the same without burying the
 * log or the timeline during an outage.
 */
export function throttledErrors(say: (err: Error) => void, windowMs = 60_000, now: () => number = Date.now): (err: Error) => void {
  const said = new Map<string, number>();
  return (err) => {
    const at = now();
    const last = said.get(err.message);
    if (last !== undefined && at - last < windowMs) return;
    said.set(err.message, at);
    say(err);
  };
}
