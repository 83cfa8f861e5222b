/**
 * Flat-line evidence: a run of exactly repeated values, judged against how
 * this series usually repeats.
 *
 * A stuck exporter or a dead host often reports the same number again and
 * again; noise alone then explains nothing, which is why the level and tail
 * checks cannot see it. Repeats cluster in real metrics (a quantised CPU
 * percentage, an idle disk writing 0 bytes), so the model is a two-state chain:
 * the rate at which a run starts and the rate at which a run goes on, both
 * learnt online and Laplace-smoothed (a series that never repeats still keeps a
 * small rate). A run of k repeats then has probability
 * start * continue^(k-1).
 */
import { S } from './detector-state.ts';

/** Laplace-smoothed rate from an exponentially weighted rate and its effective count. */
function smoothed(rate: number, weight: number): number {
  return (rate * weight + 1) / (weight + 2);
}

/** Folds one yes/no outcome into a weighted rate held at `rateAt` / `weightAt`. */
function learn(state: Float64Array, rateAt: number, weightAt: number, outcome: boolean, keep: number): void {
  const weight = state[weightAt]! * keep + 1;
  state[weightAt] = weight;
  state[rateAt] = state[rateAt]! + ((outcome ? 1 : 0) - state[rateAt]!) / weight;
}

/**
 * Updates the run and the repeat rates with `x` and returns the run's surprise
 * (nats); `keep` ages the rates' evidence over the elapsed steps. A run is reported once: after its surprise first reaches `reportNats`
 * it scores 0 until the value changes.
 */
export function flatLineSurprise(state: Float64Array, x: number, keep: number, reportNats: number): number {
  const repeated = x === state[S.previous]!;
  const run = state[S.flatRun]!;
  const inRun = run !== 0;
  // Judge with the rates as they were before this point (out of sample), then learn.
  const start = smoothed(state[S.startRate]!, state[S.startWeight]!);
  const goOn = smoothed(state[S.continueRate]!, state[S.continueWeight]!);
  if (inRun) learn(state, S.continueRate, S.continueWeight, repeated, keep);
  else learn(state, S.startRate, S.startWeight, repeated, keep);
  if (!repeated) {
    state[S.flatRun] = 0;
    return 0;
  }
  if (run < 0) {
    state[S.flatRun] = run - 1;
    return 0;
  }
  const length = run + 1;
  const surprise = -Math.log(start) - (length - 1) * Math.log(goOn);
  state[S.flatRun] = surprise >= reportNats ? -length : length;
  return surprise;
}
