import type { Links } from './topology.ts';

const MINUTE = 60_000;

/** How the incident tracker groups and resolves. Every field is optional; defaults below. */
export interface TrackerOptions {
  /**
   * Signals of linked stacks that turn abnormal within this long of the
   * incident's onset, or of a linked member's latest abnormal point, join the
   * incident. Also the width of the onset bucket in incident ids.
   * @default 600_000 (10 minutes)
   */
  windowMs?: number;
  /**
   * An incident resolves once all its signals have been normal (no anomalous
   * point, no alarm in ALARM) for this long, in signal time.
   * @default 900_000 (15 minutes)
   */
  quietMs?: number;
  /** Links between stacks; without it, only signals of the same stack group. @default undefined */
  topology?: Links;
  /** Open incidents kept; past it the one quiet the longest (among equals the newest, smallest) is resolved early. @default 100 */
  maxOpenIncidents?: number;
  /** Signals (series) recorded per incident; more are counted in `omitted`. @default 64 */
  maxSignalsPerIncident?: number;
  /** Alarms recorded per incident. @default 32 */
  maxAlarmsPerIncident?: number;
  /** Stacks per incident. @default 16 */
  maxStacksPerIncident?: number;
  /** Evidence lines per incident. @default 50 */
  maxEvidenceLines?: number;
  /** Resolved incidents remembered, so that redelivered old inputs do not reopen them. @default 200 */
  maxRecentResolved?: number;
}

export type ResolvedTrackerOptions = Required<Omit<TrackerOptions, 'topology'>> & Pick<TrackerOptions, 'topology'>;

export const TRACKER_DEFAULTS: Readonly<Required<Omit<TrackerOptions, 'topology'>>> = {
  windowMs: 10 * MINUTE,
  quietMs: 15 * MINUTE,
  maxOpenIncidents: 100,
  maxSignalsPerIncident: 64,
  maxAlarmsPerIncident: 32,
  maxStacksPerIncident: 16,
  maxEvidenceLines: 50,
  maxRecentResolved: 200,
};

export function resolveTrackerOptions(options: TrackerOptions = {}): ResolvedTrackerOptions {
  const o: ResolvedTrackerOptions = { ...TRACKER_DEFAULTS, topology: options.topology };
  for (const k of Object.keys(TRACKER_DEFAULTS) as (keyof typeof TRACKER_DEFAULTS)[]) {
    const v = options[k];
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`options.${k} must be a positive number, got ${String(v)}`);
    o[k] = v;
  }
  return o;
}
