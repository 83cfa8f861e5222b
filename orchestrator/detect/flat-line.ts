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

/**
 * Folds `yes` positive and `no` negative outcomes into the weighted rate held
 * at `rateAt` / `weightAt`, after ageing it by `keep`.
 */
function learn(state: Float64Array, rateAt: number, weightAt: number, yes: number, no: number, keep: number): void {
  const old = state[weightAt]! * keep;
  const weight = old + yes + no;
  state[weightAt] = weight;
  state[rateAt] = (state[rateAt]! * old + yes) / weight;
}

/**
 * Updates the run and the repeat rates with `x` and returns the run's surprise
 * (nats); `keep` ages the rates' evidence over the elapsed steps. A run is
 * reported once: after its surprise first reaches `reportNats` it scores 0
 * until the value changes.
 *
 * The continue rate learns from a run only when the run ends, so a run is
 * judged by the runs before it; learning during the run would let a stuck
 * series explain itself (its surprise would grow only with the log of its length).
 */
export function flatLineSurprise(state: Float64Array, x: number, keep: number, reportNats: number): number {
  const repeated = x === state[S.previous]!;
  const run = state[S.flatRun]!;
  const length = Math.abs(run);
  // Judged with the rates as they were before this point.
  const start = smoothed(state[S.startRate]!, state[S.startWeight]!);
  const goOn = smoothed(state[S.continueRate]!, state[S.continueWeight]!);
  if (!repeated) {
    if (length > 0) {
      // The run is over: it went on (length - 1) times and then stopped.
      learn(state, S.continueRate, S.continueWeight, length - 1, 1, keep);
    } else {
      learn(state, S.startRate, S.startWeight, 0, 1, keep);
    }
    state[S.flatRun] = 0;
    return 0;
  }
  if (length === 0) learn(state, S.startRate, S.startWeight, 1, 0, keep);
  if (run < 0) {
    state[S.flatRun] = run - 1;
    return 0;
  }
  const next = length + 1;
  const surprise = -Math.log(start) - (next - 1) * Math.log(goOn);
  state[S.flatRun] = surprise >= reportNats ? -next : next;
  return surprise;
}
