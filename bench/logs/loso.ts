/**
 * Leave-one-system-out (LOSO) choice of the miner's free options: for each
 * system, the options are chosen on the other systems alone (highest mean
 * GA), and the left-out system is scored with them. The mean over the folds
 * estimates what one configuration scores on a system it was not chosen
 * on, which the in-sample mean cannot say: an option that only the scored
 * system likes is not picked when that system is left out.
 *
 * Pure: scores come in, folds come out; the bench runs the miner.
 */
import type { TemplateMinerOptions } from '../../orchestrator/logs/template-miner.ts';

/** The options a fold may choose from: every free option of the miner, on a small fixed grid. */
export const LOSO_GRID: readonly TemplateMinerOptions[] = [0, 2, 3].flatMap((wordStates) =>
  [0.3, 0.4, 0.5, 0.6, 0.7].flatMap((similarity) => [1, 2, 3].map((leadingTokens) => ({ similarity, leadingTokens, wordStates }))),
);

/** A grid point written for a report: `sim=0.4 lead=2`. */
export function optionsLabel(o: TemplateMinerOptions): string {
  return `sim=${o.similarity} lead=${o.leadingTokens} words=${o.wordStates}`;
}

/** One system's scores. */
export interface Score { ga: number; fga: number }

/** One fold: the left-out system, the options chosen without it, and its score with them. */
export interface LosoFold { system: string; chosen: number; trainGa: number; score: Score }

/**
 * The folds, given `scores[g][s]`: the score of grid point `g` on system
 * `s` (systems in the order of `systems`). Ties on the other systems' mean
 * GA go to the earlier grid point, so the choice does not depend on the
 * left-out system's score in any way.
 */
export function losoFolds(systems: readonly string[], scores: readonly (readonly Score[])[]): LosoFold[] {
  return systems.map((system, out) => {
    let chosen = -1;
    let trainGa = -1;
    scores.forEach((row, g) => {
      let sum = 0;
      row.forEach((s, i) => { if (i !== out) sum += s.ga; });
      const mean = sum / (systems.length - 1);
      if (mean > trainGa + 1e-12) {
        chosen = g;
        trainGa = mean;
      }
    });
    return { system, chosen, trainGa, score: scores[chosen]![out]! };
  });
}

/** The mean GA and FGA of the folds' left-out scores. */
export function losoMean(folds: readonly LosoFold[]): Score {
  const n = Math.max(folds.length, 1);
  return {
    ga: folds.reduce((a, f) => a + f.score.ga, 0) / n,
    fga: folds.reduce((a, f) => a + f.score.fga, 0) / n,
  };
}
