import type { Incident, IncidentSignal } from '../correlate/incident.ts';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Short number for people: up to 3 decimals, no trailing zeros. */
export function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
}

/** `4 min`, `90 s`: a duration for people. */
export function minutes(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 120_000) return `${Math.round(abs / 1000)} s`;
  return `${num(Math.round((abs / 60_000) * 10) / 10)} min`;
}

export function shortCommit(commit: string): string {
  return /^[0-9a-f]{13,}$/i.test(commit) ? commit.slice(0, 12) : commit;
}

/** `cpu on infra/./api = 95 (peak score 0.91, 6 points)`. */
export function describeSignal(s: IncidentSignal): string {
  return `${s.signalId} on ${s.stackKey} = ${num(s.peakValue)} (peak score ${s.peakScore.toFixed(2)}, ${s.points} anomalous point${s.points === 1 ? '' : 's'}, last ${num(s.lastValue)})`;
}

/** The incident's strongest signals, for evidence lines. */
export function topSignals(incident: Incident, stackKey?: string, n = 3): IncidentSignal[] {
  return incident.signals
    .filter((s) => stackKey === undefined || s.stackKey === stackKey)
    .sort((a, b) => b.peakScore - a.peakScore || a.firstAt - b.firstAt || (a.seriesId < b.seriesId ? -1 : 1))
    .slice(0, n);
}

export function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Confidences are reported to 3 decimals, so equal evidence gives equal, comparable numbers. */
export function round3(x: number): number {
  return Math.round(clamp01(x) * 1000) / 1000;
}
