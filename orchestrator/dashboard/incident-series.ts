import type { IncidentRecord } from '../correlate/incident-store.ts';

/** One anomalous moment of a signal, as the incident recorded it. */
export interface AnomalyMark {
  /** Epoch ms. */
  t: number;
  /** Detector score in [0, 1]; for `first` and `last`, the threshold the score reached (a lower bound). */
  score: number;
  kind: 'first' | 'peak' | 'last';
}

/** One signal of an incident, for the dashboard's chart (`GET /api/incidents/:id/series`). */
export interface SignalSeries {
  stackKey: string;
  signalId: string;
  seriesId: string;
  /** The detector's threshold, on the score's 0–1 scale. */
  threshold: number;
  /** Recent values, oldest first; `t` in epoch ms. */
  points: { t: number; v: number }[];
  anomalies: AnomalyMark[];
  /** The detector's score of each recent point (0–1), oldest first: the chart's score line. Empty when none were kept. */
  scores: { t: number; s: number }[];
}

/**
 * The chartable series of an incident's signals, from the incident and the
 * recent values the telemetry stage keeps per series. Pure.
 *
 * The incident keeps, per signal, its first and last anomalous points and its
 * peak (value and score), not every point's score, so those are the anomaly
 * marks: the first and last carry the threshold they reached, and the peak,
 * found as the recent point within the anomalous span closest to the peak
 * value, carries the peak score.
 */
export function incidentSeries(
  record: IncidentRecord,
  recent: ReadonlyMap<string, readonly { timestamp: number; value: number }[]>,
  scores: ReadonlyMap<string, readonly { t: number; s: number }[]> = new Map(),
): SignalSeries[] {
  return record.incident.signals.map((s) => {
    const points = [...(recent.get(s.seriesId) ?? [])].sort((a, b) => a.timestamp - b.timestamp).map((p) => ({ t: p.timestamp, v: p.value }));
    const marks = new Map<number, AnomalyMark>();
    marks.set(s.firstAt, { t: s.firstAt, score: s.threshold, kind: 'first' });
    if (s.lastAt !== s.firstAt) marks.set(s.lastAt, { t: s.lastAt, score: s.threshold, kind: 'last' });
    let peak: { t: number; v: number } | undefined;
    for (const p of points) {
      if (p.t < s.firstAt || p.t > s.lastAt) continue;
      if (!peak || Math.abs(p.v - s.peakValue) < Math.abs(peak.v - s.peakValue)) peak = p;
    }
    if (peak) marks.set(peak.t, { t: peak.t, score: s.peakScore, kind: 'peak' });
    return {
      stackKey: s.stackKey,
      signalId: s.signalId,
      seriesId: s.seriesId,
      threshold: s.threshold,
      points,
      anomalies: [...marks.values()].sort((a, b) => a.t - b.t),
      scores: [...(scores.get(s.seriesId) ?? [])].filter((p) => Number.isFinite(p.t) && Number.isFinite(p.s)).sort((a, b) => a.t - b.t),
    };
  });
}
