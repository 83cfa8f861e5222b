import { prng } from '../../support/seeded-random.ts';

/** Seeded saturating series for the forecaster's tests: one point a minute unless told otherwise. */
export const MINUTE = 60_000;
export const START = Date.UTC(2024, 0, 1);

/** A standard normal sampler from a seed (Box–Muller on the shared PRNG). */
export function gaussian(seed: number): () => number {
  const rnd = prng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

export interface Series {
  readonly timestamps: number[];
  readonly values: number[];
}

/** `start + slope * minute + noise`, one point a minute for `points` minutes. */
export function line(options: { points: number; start: number; slopePerMinute: number; noise?: number; seed?: number; stepMs?: number }): Series {
  const noise = gaussian(options.seed ?? 1);
  const step = options.stepMs ?? MINUTE;
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < options.points; i++) {
    const minute = (i * step) / MINUTE;
    timestamps.push(START + i * step);
    values.push(options.start + options.slopePerMinute * minute + (options.noise ?? 0) * noise());
  }
  return { timestamps, values };
}
