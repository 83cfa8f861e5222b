import type { ServiceSample } from './scenarios.ts';
import { mix } from './seeded-hash.ts';

/**
 * What a sandbox service writes to its log in one simulated minute: ordinary
 * request lines, an ordinary upstream error now and then (so that template is
 * known long before any scenario), more of them as its error rate rises, and,
 * while it runs a bad version, a crash of a kind it never logged before. The
 * same seed, sample and version give the same lines. Pure.
 */

/** The log group of a sandbox service, as the sandbox stack's contract names it (stacks/sandbox/index.ts; a unit test keeps the two equal). */
export function sandboxLogGroup(serviceName: string): string {
  return `/homeostat/sandbox/${serviceName}`;
}

/** Request lines per simulated minute: with the other lines, past the log signals' 500-line warm-up within the history the service reads. */
export const REQUEST_LINES_PER_MINUTE = 12;

/** Error lines a minute at most: the error rate scales them, this caps them. */
const MAX_ERROR_LINES = 30;

/** The version a service runs, and whether it is a bad one (the scenario knows). */
export interface RunningVersion {
  readonly version: string;
  readonly bad: boolean;
}

/** One line, and where in its minute it was written (0 to 1). */
export interface SandboxLogLine {
  readonly at: number;
  readonly message: string;
}

export function logLinesOf(sample: ServiceSample, running: RunningVersion, seed: number): SandboxLogLine[] {
  const draw = (k: number, i: number, n: number) => mix(seed, sample.minute, k, i) % n;
  const lines: SandboxLogLine[] = [];
  for (let i = 0; i < REQUEST_LINES_PER_MINUTE; i++) {
    const ms = Math.max(1, Math.round((sample.latencyP95 * (20 + draw(1, i, 80))) / 100));
    lines.push({ at: i / REQUEST_LINES_PER_MINUTE, message: `INFO GET /api/orders/${1000 + draw(2, i, 9000)} 200 in ${ms} ms` });
  }
  if (sample.minute % 5 === 0) lines.push({ at: 0.5, message: `INFO cache refresh for tenant ${draw(3, 0, 50)} done in ${1 + draw(4, 0, 40)} ms` });
  // Errors in proportion to the error rate (a share of the minute's requests, scaled to the lines written), and one every ten minutes whatever the rate.
  const errors = Math.min(MAX_ERROR_LINES, Math.round((sample.errorRate / 100) * REQUEST_LINES_PER_MINUTE * 5) + (sample.minute % 10 === 0 ? 1 : 0));
  for (let i = 0; i < errors; i++) {
    const at = (i + 0.5) / (errors + 1);
    const id = 100_000 + draw(5, i, 900_000);
    lines.push({
      at,
      // A bad version fails in a way of its own; otherwise an upstream call fails, as it always does now and then.
      message: running.bad
        ? `ERROR TypeError: Cannot read properties of undefined (reading 'price') at PriceRule.apply (rules/price.js:${40 + draw(6, i, 3)}) in ${running.version} request ${id}`
        : `ERROR upstream request ${id} failed after ${50 + draw(7, i, 2000)} ms: connection reset by peer`,
    });
  }
  return lines.sort((a, b) => a.at - b.at);
}
