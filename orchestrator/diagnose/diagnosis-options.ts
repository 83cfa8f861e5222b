const MINUTE = 60_000;

/** Thresholds of the diagnosis rules. Every field is optional; defaults below. */
export interface DiagnosisOptions {
  /** Deployments applied up to this long before the onset are suspects. @default 1_800_000 (30 minutes) */
  lookbackMs?: number;
  /** A deployment finishing this little after the onset still counts (a rollout is under way before its run finishes). @default 60_000 (1 minute) */
  afterOnsetGraceMs?: number;
  /** A utilisation or saturation signal at or above this share of its `limit` is near it. @default 0.8 */
  nearLimitRatio?: number;
  /** Demand in the anomaly window at least this many times its baseline is rising. @default 1.2 */
  demandRiseRatio?: number;
  /** The anomaly window starts this long before the onset (demand rises before a signal breaks). @default 300_000 (5 minutes) */
  leadMs?: number;
  /** The demand baseline is the values this long before the anomaly window. @default 3_600_000 (60 minutes) */
  baselineMs?: number;
  /** A dependency's incident that opened up to this long before this one is a suspect. @default 1_800_000 (30 minutes) */
  dependencyWindowMs?: number;
}

export const DIAGNOSIS_DEFAULTS: Readonly<Required<DiagnosisOptions>> = {
  lookbackMs: 30 * MINUTE,
  afterOnsetGraceMs: MINUTE,
  nearLimitRatio: 0.8,
  demandRiseRatio: 1.2,
  leadMs: 5 * MINUTE,
  baselineMs: 60 * MINUTE,
  dependencyWindowMs: 30 * MINUTE,
};

export function resolveDiagnosisOptions(options: DiagnosisOptions = {}): Required<DiagnosisOptions> {
  const o = { ...DIAGNOSIS_DEFAULTS };
  for (const k of Object.keys(DIAGNOSIS_DEFAULTS) as (keyof DiagnosisOptions)[]) {
    const v = options[k];
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v < 0) throw new Error(`options.${k} must be a non-negative number, got ${String(v)}`);
    o[k] = v;
  }
  return o;
}
