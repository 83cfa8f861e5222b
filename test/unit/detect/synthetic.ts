/**
 * Seeded synthetic metrics for the detector tests: 5-minute points with noise,
 * optional trend and daily cycle, and helpers to run a detector over them.
 */
import { createDetector } from '../../../orchestrator/detect/detector.ts';
import type { DetectorOptions } from '../../../orchestrator/detect/detector-options.ts';
import { prng } from '../../support/seeded-random.ts';

export const STEP_MS = 5 * 60_000;
export const POINTS_PER_DAY = 288;
export const START_MS = Date.UTC(2024, 0, 1);

export { prng };

/** Standard normal draws from a uniform PRNG (Box-Muller). */
export function gaussian(rnd: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

export interface Series {
  timestamps: number[];
  values: number[];
}

export interface SeriesShape {
  seed: number;
  days: number;
  level?: number;
  noise?: number;
  /** Change of level per day. */
  trendPerDay?: number;
  /** Amplitude of a daily sine cycle. */
  dailyAmplitude?: number;
}

/** A clean series: level + trend + daily cycle + Gaussian noise, every 5 minutes. */
export function cleanSeries(shape: SeriesShape): Series {
  const normal = gaussian(prng(shape.seed));
  const n = shape.days * POINTS_PER_DAY;
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const day = i / POINTS_PER_DAY;
    timestamps.push(START_MS + i * STEP_MS);
    values.push(
      (shape.level ?? 100) +
        (shape.trendPerDay ?? 0) * day +
        (shape.dailyAmplitude ?? 0) * Math.sin(2 * Math.PI * day) +
        (shape.noise ?? 2) * normal(),
    );
  }
  return { timestamps, values };
}

/** Scores of a fresh detector over a series. */
export function scoresOf(series: Series, options: Partial<DetectorOptions> = {}): number[] {
  const detector = createDetector(options);
  return series.timestamps.map((t, i) => detector.update(t, series.values[i]!).score);
}

/** Indices of flagged points (score at or above the production threshold, via isAnomaly). */
export function flagsOf(series: Series, options: Partial<DetectorOptions> = {}): number[] {
  const detector = createDetector(options);
  const flags: number[] = [];
  series.timestamps.forEach((t, i) => {
    if (detector.update(t, series.values[i]!).isAnomaly) flags.push(i);
  });
  return flags;
}

/** Flags within [from, to]. */
export function flagsBetween(flags: readonly number[], from: number, to: number): number[] {
  return flags.filter((i) => i >= from && i <= to);
}
