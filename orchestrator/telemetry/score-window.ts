/**
 * The anomaly scores the dashboard draws, kept per series with a bounded
 * size: what to write of a batch, and how a stored entry reads back. Pure.
 */

/** One scored point of a series. */
export interface ScorePoint {
  seriesId: string;
  /** Epoch ms of the point. */
  timestamp: number;
  /** The detector's score, 0–1. */
  score: number;
}

/** Scores kept per series by default: as many as the recent values the incident store keeps (240). */
export const SCORES_KEPT = 240;

/**
 * The newest `keep` scores of each series in a batch, in time order: a
 * backfill of thousands of points writes only what would survive the trim.
 */
export function newestPerSeries(points: readonly ScorePoint[], keep = SCORES_KEPT): Map<string, ScorePoint[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep: expected a whole number of at least 1, got ${keep}`);
  const bySeries = new Map<string, ScorePoint[]>();
  for (const p of points) {
    if (!Number.isFinite(p.timestamp) || !Number.isFinite(p.score)) continue;
    const list = bySeries.get(p.seriesId) ?? [];
    list.push(p);
    bySeries.set(p.seriesId, list);
  }
  for (const [id, list] of bySeries) {
    list.sort((a, b) => a.timestamp - b.timestamp);
    if (list.length > keep) bySeries.set(id, list.slice(-keep));
  }
  return bySeries;
}

/** A stored entry: `<timestamp>:<score>` (one per timestamp, so a batch scored twice stores nothing new). */
export function scoreMember(p: ScorePoint): string {
  return `${p.timestamp}:${Number(p.score.toFixed(4))}`;
}

/** Reads an entry back; undefined for one that is not `<number>:<number>`. */
export function parseScoreMember(member: string): { t: number; s: number } | undefined {
  const [t, s, extra] = member.split(':');
  const tn = Number(t);
  const sn = Number(s);
  if (extra !== undefined || t === '' || s === '' || !Number.isFinite(tn) || !Number.isFinite(sn)) return undefined;
  return { t: tn, s: sn };
}
