/**
 * Our own scorer for the Numenta Anomaly Benchmark (NAB) rules.
 *
 * The rules, as NAB defines them:
 * - each labelled window is worth up to `tp`; the reward for the first flagged
 *   row in a window follows a sigmoid of how far into the window it is (full
 *   reward at the first row, nothing at the last), and later flags in the same
 *   window add nothing;
 * - a window with no flagged row costs `fn`;
 * - a flagged row outside every window costs up to `fp`: the full amount when no
 *   window has ended yet, less shortly after the end of a window (a late but
 *   related flag), the full amount again far after it;
 * - the first 15% of a file (at most 750 rows) is probation and counts for nothing;
 * - the raw total is normalised to 100 * (raw - null) / (perfect - null), where
 *   `null` is the best a constant detector can do and `perfect` is `tp` per window.
 *
 * Pure: takes arrays, returns numbers. The CLI in `score-cli.ts` does the file I/O.
 */

/** Weights of one NAB application profile. */
export interface NabProfile {
  /** Short name used in our output (`standard`, `lowFP`, `lowFN`). */
  readonly name: string;
  /** Reward for catching a window at its first row. */
  readonly tp: number;
  /** Cost of one flagged row far from any window. */
  readonly fp: number;
  /** Cost of a window that is never flagged. */
  readonly fn: number;
}

/** The three NAB profiles: standard, reward-low-FP and reward-low-FN. */
export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tp: 1, fp: 0.11, fn: 1 },
  { name: 'lowFP', tp: 1, fp: 0.22, fn: 1 },
  { name: 'lowFN', tp: 1, fp: 0.11, fn: 2 },
];

/** Share of a file's rows that is probation (not scored). */
const PROBATION_SHARE = 0.15;
/** Probation never exceeds this many rows (NAB: 15% of 5,000). */
const PROBATION_MAX_ROWS = 750;

/** One detector output file together with its labels. */
export interface NabFileInput {
  /** Identifier used in per-file results, e.g. `realAWSCloudwatch/x.csv`. */
  readonly key: string;
  /** Timestamps (ms since epoch), one per row, in file order. */
  readonly timestamps: readonly number[];
  /** Anomaly scores, one per row. */
  readonly scores: readonly number[];
  /** Labelled windows as inclusive [start, end] timestamps (ms), which must occur in `timestamps`. */
  readonly windows: readonly (readonly [number, number])[];
}

/**
 * NAB's reward curve. `x` is the position relative to the right edge of a
 * window, in window widths: -1 at the first row of the window, 0 just past its
 * last row, positive after it. Falls from about +0.987 to -1.
 */
export function nabSigmoid(x: number): number {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

/** The reward of a flag on a window's first row; rewards are divided by it so that this case is worth exactly `tp`. */
const FIRST_ROW_REWARD = nabSigmoid(-1);

/** The scorable rows of one file, reduced to what the score depends on. */
interface PreparedFile {
  readonly key: string;
  /** Per scored row: its anomaly score. */
  readonly scores: Float64Array;
  /** Per scored row: global window index, or -1 when outside every window. */
  readonly windowOf: Int32Array;
  /** Per scored row: the unweighted reward (in a window) or penalty factor (outside, negative). */
  readonly weight: Float64Array;
}

/** Labels of all files in one scoring run, flattened so windows have global ids. */
interface PreparedRun {
  readonly files: PreparedFile[];
  /** For each global window id: index of its file and whether any of its rows is scored. */
  readonly windows: { file: number; scored: boolean }[];
}

function indexOfFirst(timestamps: readonly number[]): Map<number, number> {
  const first = new Map<number, number>();
  timestamps.forEach((t, i) => {
    if (!first.has(t)) first.set(t, i);
  });
  return first;
}

/** Turns files and labels into per-row window ids and weights. Throws when a window edge is not a row timestamp. */
function prepare(inputs: readonly NabFileInput[]): PreparedRun {
  const windows: { file: number; scored: boolean }[] = [];
  const files: PreparedFile[] = [];
  inputs.forEach((input, fileIndex) => {
    const n = input.timestamps.length;
    if (input.scores.length !== n) {
      throw new Error(`${input.key}: ${input.scores.length} scores for ${n} rows`);
    }
    const first = indexOfFirst(input.timestamps);
    // Windows as row ranges, in time order; duplicate timestamps resolve to their first row.
    const ranges = input.windows
      .map(([start, end]) => {
        const a = first.get(start);
        const b = first.get(end);
        if (a === undefined || b === undefined) {
          throw new Error(`${input.key}: window [${new Date(start).toISOString()}, ${new Date(end).toISOString()}] edge is not a row timestamp`);
        }
        return { a, b };
      })
      .sort((p, q) => p.a - q.a);
    const base = windows.length;
    for (let w = 0; w < ranges.length; w++) windows.push({ file: fileIndex, scored: false });

    const probation = Math.min(Math.floor(PROBATION_SHARE * n), PROBATION_MAX_ROWS);
    const m = Math.max(0, n - probation);
    const scores = new Float64Array(m);
    const windowOf = new Int32Array(m);
    const weight = new Float64Array(m);
    let next = 0; // next window to open
    let open = -1; // index into ranges of the window we are inside, or -1
    let lastEnd = -1; // last row of the most recent closed window
    let lastWidth = 0;
    for (let i = 0; i < n; i++) {
      const r = ranges[next];
      if (open < 0 && r !== undefined && i === r.a) {
        open = next;
        next++;
      }
      let win = -1;
      let w: number;
      const cur = open >= 0 ? ranges[open] : undefined;
      if (cur !== undefined) {
        const width = cur.b - cur.a + 1;
        win = base + open;
        w = nabSigmoid(-(cur.b - i + 1) / width);
      } else if (lastEnd >= 0) {
        w = nabSigmoid((i - lastEnd) / (lastWidth - 1));
      } else {
        w = -1;
      }
      if (i >= probation) {
        const k = i - probation;
        const score = input.scores[i]!;
        // A NaN would compare false against every threshold and stall the threshold sweep.
        if (!Number.isFinite(score)) throw new Error(`${input.key}: row ${i + 1} has anomaly score ${score}`);
        scores[k] = score;
        windowOf[k] = win;
        weight[k] = w;
        if (win >= 0) windows[win]!.scored = true;
      }
      if (cur !== undefined && i === cur.b) {
        lastEnd = i;
        lastWidth = cur.b - cur.a + 1;
        open = -1;
      }
    }
    if (next !== ranges.length) throw new Error(`${input.key}: windows overlap or are out of order`);
    files.push({ key: input.key, scores, windowOf, weight });
  });
  return { files, windows };
}

/** Result of scoring at one threshold under one profile. */
export interface NabProfileResult {
  readonly profile: string;
  /** The threshold used: a row is flagged when `score >= threshold`; Infinity means never. */
  readonly threshold: number;
  /** Sum of window rewards, missed-window costs and false-positive costs. */
  readonly raw: number;
  /** Raw score of the best constant detector. */
  readonly null: number;
  /** Raw score of a detector that flags every window on its first row. */
  readonly perfect: number;
  /** 100 * (raw - null) / (perfect - null). */
  readonly normalised: number;
  readonly windowsDetected: number;
  readonly windows: number;
  /** Flagged scored rows outside every window. */
  readonly falsePositiveRows: number;
  readonly perFile: readonly { key: string; raw: number; windowsDetected: number; windows: number; falsePositiveRows: number }[];
}

function rawAt(run: PreparedRun, threshold: number, profile: NabProfile) {
  const best = new Float64Array(run.windows.length).fill(-profile.fn);
  const hit = new Uint8Array(run.windows.length);
  const perFile = run.files.map((f) => ({ key: f.key, raw: 0, windowsDetected: 0, windows: 0, falsePositiveRows: 0 }));
  let fpRows = 0;
  let fpCost = 0;
  run.files.forEach((f, fi) => {
    const pf = perFile[fi]!;
    for (let k = 0; k < f.scores.length; k++) {
      if (!(f.scores[k]! >= threshold)) continue;
      const win = f.windowOf[k]!;
      if (win >= 0) {
        const reward = (profile.tp * f.weight[k]!) / FIRST_ROW_REWARD;
        if (reward > best[win]!) best[win] = reward;
        hit[win] = 1;
      } else {
        const cost = profile.fp * f.weight[k]!;
        fpRows++;
        fpCost += cost;
        pf.falsePositiveRows++;
        pf.raw += cost;
      }
    }
  });
  let windowTotal = 0;
  let detected = 0;
  let counted = 0;
  run.windows.forEach((w, id) => {
    if (!w.scored) return;
    counted++;
    windowTotal += best[id]!;
    detected += hit[id]!;
    const pf = perFile[w.file]!;
    pf.raw += best[id]!;
    pf.windows++;
    pf.windowsDetected += hit[id]!;
  });
  return { raw: windowTotal + fpCost, windowsDetected: detected, windows: counted, falsePositiveRows: fpRows, perFile };
}

/**
 * The threshold that maximises the raw score: every distinct score is tried,
 * from the highest down, plus "never flag" (Infinity). Ties keep the higher
 * threshold, so fewer rows are flagged.
 */
function optimiseThreshold(run: PreparedRun, profile: NabProfile): number {
  const rows: { s: number; win: number; w: number }[] = [];
  for (const f of run.files) {
    for (let k = 0; k < f.scores.length; k++) rows.push({ s: f.scores[k]!, win: f.windowOf[k]!, w: f.weight[k]! });
  }
  rows.sort((p, q) => q.s - p.s);
  const best = new Float64Array(run.windows.length);
  let total = 0;
  run.windows.forEach((w, id) => {
    if (w.scored) {
      best[id] = -profile.fn;
      total -= profile.fn;
    }
  });
  let bestThreshold = Infinity;
  let bestTotal = total;
  let i = 0;
  while (i < rows.length) {
    const s = rows[i]!.s;
    // Lowering the threshold to `s` flags every row with exactly this score at once.
    for (; i < rows.length && rows[i]!.s === s; i++) {
      const r = rows[i]!;
      if (r.win >= 0) {
        const reward = (profile.tp * r.w) / FIRST_ROW_REWARD;
        if (reward > best[r.win]!) {
          total += reward - best[r.win]!;
          best[r.win] = reward;
        }
      } else {
        total += profile.fp * r.w;
      }
    }
    if (total > bestTotal) {
      bestTotal = total;
      bestThreshold = s;
    }
  }
  return bestThreshold;
}

/** How to pick the threshold of each profile. */
export type ThresholdChoice = { kind: 'optimised' } | { kind: 'fixed'; threshold: number };

/**
 * Scores detector output under every NAB profile.
 *
 * @param inputs - one entry per file; normalisation covers exactly these files.
 * @param choice - optimise the threshold per profile over all files (NAB's way), or use a fixed one.
 */
export function scoreNab(inputs: readonly NabFileInput[], choice: ThresholdChoice): NabProfileResult[] {
  const run = prepare(inputs);
  // NAB's null detector emits one constant value; the best it can do is to
  // always flag or never flag, and the optimiser finds which.
  const constant: PreparedRun = { files: run.files.map((f) => ({ ...f, scores: new Float64Array(f.scores.length).fill(0.5) })), windows: run.windows };
  return NAB_PROFILES.map((profile) => {
    const threshold = choice.kind === 'fixed' ? choice.threshold : optimiseThreshold(run, profile);
    const result = rawAt(run, threshold, profile);
    const nullRaw = rawAt(constant, optimiseThreshold(constant, profile), profile).raw;
    const perfect = profile.tp * run.windows.length;
    const span = perfect - nullRaw;
    return {
      profile: profile.name,
      threshold,
      raw: result.raw,
      null: nullRaw,
      perfect,
      normalised: span > 0 ? (100 * (result.raw - nullRaw)) / span : Number.NaN,
      windowsDetected: result.windowsDetected,
      windows: result.windows,
      falsePositiveRows: result.falsePositiveRows,
      perFile: result.perFile,
    };
  });
}
