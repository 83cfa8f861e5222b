/**
 * Log-template mining against Loghub's labelled 2,000-line samples.
 *
 * Feeds each system's messages (the `Content` column, in order, one at a
 * time) to one template miner per system, all with the same options, and
 * writes `<out>/<System>.csv` (`LineId,GroupId`: the group each line
 * belongs to at the end of the stream, that is the miner's `group` for the
 * line as `groupNow` gives it after the last line: the template, told apart
 * by its word states) for the shared scorer. Prints per system GA and FGA
 * (computed here the way `loghub-score.mjs` does), marked `dev` (the four
 * systems the first configuration was chosen on) or `other` (the five
 * scored once as held-out in session 12, looked at since), the mean of
 * each split, and last:
 *   logs lines_per_s=<n> templates=<n> state_bytes=<n>
 * (miner time only, best of three passes over all systems, wall clock;
 * templates summed over systems; state_bytes the largest JSON size of one
 * system's kept templates, an estimate of what a miner holds). The line
 * before it gives the same passes by the process's CPU time, which a busy
 * machine disturbs less than the wall clock.
 *
 * Data: Loghub, https://github.com/logpai/loghub (Zhu, He, He, Liu, Lyu:
 * Loghub: A Large Collection of System Log Datasets for AI-driven Log
 * Analytics. ISSRE 2023).
 *
 * How the data was used: the first masks and options (similarity 0.4, two
 * leading tokens; a grid of 1-3 tokens by 0.3-0.7) were chosen on the dev
 * systems only, and the other five scored once (held-out GA 0.843). The
 * changes of session 13 (token shapes, similarity over constant positions,
 * the look across a length group) were made looking at the other five's
 * errors too, so every figure since is in-sample on all nine. Session 14
 * added --loso (below) and then changed the miner looking at the errors of
 * all nine again (Linux, Mac, Spark, Android, Hadoop, Zookeeper, HDFS,
 * BGL): printed dates, values printed empty or null, quoted key values, and
 * word states; each change was kept only if the LOSO mean did not fall.
 * The defaults (similarity 0.7, two leading tokens, word states 2) are the
 * grid point best on all nine, which every fold but two (Linux: words 3,
 * Mac: one leading token) also chose. So the in-sample figures are fitted,
 * the LOSO figure is less so (the options are chosen without the scored
 * system; the rules were not), and neither is a held-out figure: no data
 * the code never saw has scored it since session 12.
 *
 * With --loso, instead: for each system, the options (similarity, leading
 * tokens and word states, on the fixed grid of ./logs/loso.ts) are chosen
 * on the other systems by mean GA and the left-out one is scored with them;
 * prints each grid point's in-sample mean, each fold, and last
 * `loso ga=… fga=…`.
 *
 * Usage: npm run --silent bench:logs -- --data ../shared/data/loghub-2k [--out <dir>] [--systems A,B] [--loso]
 *        npm run --silent bench:log-templates [-- --out <dir>]   (the same, with --data set)
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createTemplateMiner, type TemplateMinerOptions } from '../orchestrator/logs/template-miner.ts';
import { groupingAccuracy, labelledLines, type LabelledLine } from './logs/loghub-csv.ts';
import { LOSO_GRID, losoFolds, losoMean, optionsLabel } from './logs/loso.ts';

/** The four systems the first options and masks were chosen on; the other five have been looked at since (sessions 13 and 14), so all nine are in-sample. */
export const DEV_SYSTEMS = ['Apache', 'BGL', 'HDFS', 'Zookeeper'];

function systemsIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, `${d}_2k.log_structured.csv`))).sort();
}

function mine(lines: readonly LabelledLine[], options: TemplateMinerOptions = {}): { groups: string[]; templates: number; stateBytes: number } {
  const miner = createTemplateMiner(options);
  const groups = lines.map((l) => miner.add(l.content).group);
  // A template's id is stable across merges; its word states may have become variables since, which groupNow says.
  const kept = miner.templates();
  // Groups are written as short names: a group holds the words of its state positions, which may hold a comma.
  const names = new Map<string, string>();
  const named = groups.map((g) => miner.groupNow(g)).map((g) => names.get(g) ?? names.set(g, `g${names.size + 1}`).get(g)!);
  return { groups: named, templates: kept.length, stateBytes: JSON.stringify(kept).length };
}

type System = { system: string; lines: LabelledLine[] };

/**
 * Prints each system's fold (the options chosen on the others, their mean GA
 * there, and the left-out score) and last `loso ga=… fga=…`; see ./logs/loso.ts.
 */
function reportLoso(data: readonly System[]): void {
  const scores = LOSO_GRID.map((options) =>
    data.map(({ lines }) => groupingAccuracy(lines.map((l) => l.eventId), mine(lines, options).groups)),
  );
  scores.forEach((row, g) => {
    const ga = row.reduce((a, s) => a + s.ga, 0) / row.length;
    console.log(`grid ${optionsLabel(LOSO_GRID[g]!).padEnd(16)} in-sample GA=${ga.toFixed(3)} min=${Math.min(...row.map((s) => s.ga)).toFixed(3)}`);
  });
  const folds = losoFolds(data.map((d) => d.system), scores);
  for (const f of folds) {
    console.log(`fold ${f.system.padEnd(10)} chose ${optionsLabel(LOSO_GRID[f.chosen]!).padEnd(16)} (GA ${f.trainGa.toFixed(3)} on the others) left-out GA=${f.score.ga.toFixed(3)} FGA=${f.score.fga.toFixed(3)}`);
  }
  const m = losoMean(folds);
  console.log(`loso ga=${m.ga.toFixed(3)} fga=${m.fga.toFixed(3)} systems=${folds.length} grid=${LOSO_GRID.length}`);
}

function main(): void {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, systems: { type: 'string' }, loso: { type: 'boolean' } } });
  if (!values.data) throw new Error('--data <loghub-2k folder> is required');
  const wanted = values.systems?.split(',');
  const systems = systemsIn(values.data).filter((s) => !wanted || wanted.includes(s));
  if (systems.length === 0) throw new Error(`no <System>/<System>_2k.log_structured.csv under ${values.data}`);
  if (values.out) fs.mkdirSync(values.out, { recursive: true });
  const data: System[] = systems.map((s) => ({ system: s, lines: labelledLines(fs.readFileSync(path.join(values.data!, s, `${s}_2k.log_structured.csv`), 'utf8')) }));
  if (values.loso) return reportLoso(data);
  const scores: Record<'dev' | 'other', { ga: number; fga: number }[]> = { dev: [], other: [] };
  let templates = 0;
  let stateBytes = 0;
  for (const { system, lines } of data) {
    const r = mine(lines);
    templates += r.templates;
    stateBytes = Math.max(stateBytes, r.stateBytes);
    const split = DEV_SYSTEMS.includes(system) ? 'dev' : 'other';
    const s = groupingAccuracy(lines.map((l) => l.eventId), r.groups);
    scores[split].push(s);
    console.log(`${system.padEnd(10)} ${split.padEnd(8)} GA=${s.ga.toFixed(3)} FGA=${s.fga.toFixed(3)} templates=${r.templates}`);
    if (values.out) {
      const csv = ['LineId,GroupId', ...lines.map((l, i) => `${l.lineId},${r.groups[i]}`)].join('\n') + '\n';
      fs.writeFileSync(path.join(values.out, `${system}.csv`), csv);
    }
  }
  const mean = (xs: number[]): string => (xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1)).toFixed(3);
  for (const split of ['dev', 'other'] as const) {
    const xs = scores[split];
    if (xs.length) console.log(`mean ${split.padEnd(8)} GA=${mean(xs.map((x) => x.ga))} FGA=${mean(xs.map((x) => x.fga))} systems=${xs.length}`);
  }
  const all = [...scores.dev, ...scores.other];
  console.log(`mean all      GA=${mean(all.map((x) => x.ga))} FGA=${mean(all.map((x) => x.fga))} systems=${all.length} (dev: ${DEV_SYSTEMS.join(' ')}; all in-sample since session 13)`);
  // Throughput: miner time only, best of three passes over every system.
  let best = Infinity;
  let bestCpu = Infinity;
  const total = data.reduce((n, d) => n + d.lines.length, 0);
  for (let pass = 0; pass < 3; pass++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const { lines } of data) {
      const miner = createTemplateMiner();
      for (const l of lines) miner.add(l.content);
    }
    const cpu = process.cpuUsage(c0);
    best = Math.min(best, performance.now() - t0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
  }
  console.log(`logs cpu_lines_per_s=${Math.round((total / bestCpu) * 1000)} (by process CPU time, best of three)`);
  console.log(`logs lines_per_s=${Math.round((total / best) * 1000)} templates=${templates} state_bytes=${stateBytes}`);
}

main();
