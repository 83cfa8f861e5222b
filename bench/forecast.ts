/**
 * Forecast benchmark: how early and how well the forecaster predicts the time
 * a saturating signal breaches its limit.
 *
 * Groups (seeded, one point a minute, half of each fill group mirrored into a
 * falling signal with a downward limit at 0, like free disk):
 *   linear     a clean linear fill to the limit
 *   noisy      a fill with noise, random gaps (5 to 15 minutes) and repeated timestamps
 *   seasonal   a slow fill under a daily cycle (breach 1.5 to 3 days in)
 *   step-fill  flat, a step up, then a fill
 *   bend       flat for hours, then a fill that starts without a step (a ramp
 *              beginning, as in the sandbox's slow-saturation), breach 1 to 4 hours later
 *   controls   flat, noisy flat near the limit, receding, a daily cycle peaking
 *              at 85% of the limit, AR(1) wander near the limit: none may warn
 *   nab        trending NAB series (rule printed), limit = their eventual extreme,
 *              breach time derived from the data, not labelled
 * The known breach time of a synthetic series is the first minute its noise-free
 * signal reaches the limit.
 *
 * Per breach: the time-to-breach estimate at fixed lead points (60, 30 and 10
 * minutes before the breach; absolute error in minutes, and how many leads had
 * no estimate), and whether `predictedBreach` (30-minute horizon, confidence 0.9)
 * warned between 30 and 10 minutes before it. Per control: warnings at any time.
 * Last line: forecast series=N mae_minutes=... warned_10min_share=... false_warnings=...
 *
 * Usage: npm run --silent bench:forecast [-- --seeds 20 --data /work/shared/data/nab-dev/data]
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createForecaster } from '../orchestrator/forecast/forecaster.ts';
import type { SaturationLimit } from '../orchestrator/forecast/breach-forecast.ts';
import { DEFAULT_FORECAST_OPTIONS } from '../orchestrator/forecast/forecast-options.ts';
import { DEFAULT_MIN_CONFIDENCE, predictedBreach } from '../orchestrator/forecast/predicted-breach.ts';
import { prng } from '../test/support/seeded-random.ts';
import { listCsvFiles, readCsv } from './nab/csv-io.ts';

const MINUTE = 60_000;
const START = Date.UTC(2024, 0, 1);
const HORIZON_MS = 30 * MINUTE;
const LEADS_MIN = [60, 30, 10];
const WARN_AHEAD_MIN = 10;

/**
 * Constants of the forecaster and of this benchmark, and whether they were tuned
 * while looking at these series. Keep honest: a constant changed after seeing
 * this benchmark's output moves to IN_SAMPLE.
 */
const IN_SAMPLE: readonly string[] = [
  'the bend restart (bendRun 12, fixed before its first run) was gated by the residuals\' autocorrelation after seeing the bend group and the controls (three runs), so those two groups are in-sample for it',
];

interface Case {
  readonly group: string;
  readonly name: string;
  readonly timestamps: number[];
  readonly values: number[];
  readonly limit: SaturationLimit;
  /** Known (synthetic) or derived (NAB) breach time; undefined for a control. */
  readonly breachAt: number | undefined;
}

function gaussian(rnd: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** Builds a series from a noise-free signal per minute (stopping at the breach, as an incident would), noise and sampling quirks. */
function synthetic(group: string, seed: number, minutes: number, clean: (m: number) => number, opts: { noise?: number; quirks?: boolean; control?: boolean; ar?: number }): Case {
  const rnd = prng(seed * 7919 + group.length);
  const g = gaussian(rnd);
  const mirror = !opts.control && seed % 2 === 1;
  let breachMinute: number | undefined;
  if (!opts.control) {
    for (let m = 0; m < minutes; m++) if (clean(m) >= 100) { breachMinute = m; break; }
    if (breachMinute === undefined) throw new Error(`${group} seed ${seed}: no breach within ${minutes} minutes`);
  }
  const end = breachMinute ?? minutes;
  const timestamps: number[] = [];
  const values: number[] = [];
  let e = 0;
  for (let m = 0; m < end; m++) {
    if (opts.quirks === true && rnd() < 0.01) m += 5 + Math.floor(rnd() * 11);
    if (m >= end) break;
    e = opts.ar !== undefined ? opts.ar * e + g() : g();
    const v = clean(m) + (opts.noise ?? 0) * e;
    timestamps.push(START + m * MINUTE);
    values.push(mirror ? 100 - v : v);
    if (opts.quirks === true && rnd() < 0.01) {
      timestamps.push(START + m * MINUTE);
      values.push(mirror ? 100 - v : v);
    }
  }
  return {
    group,
    name: `${group}#${seed}${mirror ? ' (down)' : ''}`,
    timestamps,
    values,
    limit: mirror ? { value: 0, direction: 'down' } : { value: 100, direction: 'up' },
    breachAt: breachMinute === undefined ? undefined : START + breachMinute * MINUTE,
  };
}

function syntheticCases(seeds: number): Case[] {
  const out: Case[] = [];
  const DAY = 1440;
  for (let s = 0; s < seeds; s++) {
    const r = prng(1000 + s);
    const u = (a: number, b: number): number => a + (b - a) * r();
    {
      const start = u(10, 40);
      const tb = u(300, 900);
      out.push(synthetic('linear', s, 2000, (m) => start + ((100 - start) / tb) * m, {}));
    }
    {
      const start = u(10, 40);
      const tb = u(300, 900);
      out.push(synthetic('noisy', s, 2000, (m) => start + ((100 - start) / tb) * m, { noise: u(1, 4), quirks: true }));
    }
    {
      const start = u(10, 30);
      const amp = u(3, 10);
      const tb = u(1.5 * DAY, 3 * DAY);
      const phase = u(0, 2 * Math.PI);
      out.push(synthetic('seasonal', s, 5 * DAY, (m) => start + ((95 - start) / tb) * m + amp * Math.sin((2 * Math.PI * m) / DAY + phase), { noise: u(0.5, 2) }));
    }
    {
      const base = u(20, 40);
      const stepAt = Math.round(u(200, 600));
      const jump = u(10, 30);
      const fill = u(60, 300);
      const top = base + jump;
      out.push(synthetic('step-fill', s, 3000, (m) => (m < stepAt ? base : top + ((100 - top) / fill) * (m - stepAt)), { noise: u(0.5, 2) }));
    }
    {
      const base = u(20, 50);
      const bendAt = Math.round(u(200, 600));
      const fill = u(60, 240);
      out.push(synthetic('bend', s, 2000, (m) => (m < bendAt ? base : base + ((100 - base) / fill) * (m - bendAt)), { noise: u(0.5, 2) }));
    }
    // Controls: five kinds, cycled over the seeds, 2 days each.
    const kind = s % 5;
    const control = ((): Case => {
      switch (kind) {
        case 0:
          return synthetic('controls', s, 2 * DAY, () => u(40, 90), { control: true });
        case 1: {
          const level = u(80, 88);
          return synthetic('controls', s, 2 * DAY, () => level, { control: true, noise: u(2, 4) });
        }
        case 2: {
          const start = u(80, 95);
          const slope = -u(0.005, 0.03);
          return synthetic('controls', s, 2 * DAY, (m) => start + slope * m, { control: true, noise: u(0.5, 2) });
        }
        case 3: {
          const amp = u(10, 20);
          return synthetic('controls', s, 2 * DAY, (m) => 85 - amp + amp * Math.sin((2 * Math.PI * m) / DAY), { control: true, noise: u(0.5, 2) });
        }
        default:
          return synthetic('controls', s, 2 * DAY, () => 85, { control: true, noise: u(0.5, 1), ar: 0.95 });
      }
    })();
    out.push({ ...control, name: `${control.name} (${['flat', 'noisy flat', 'receding', 'daily cycle', 'AR(1) wander'][kind]})` });
  }
  return out;
}

// --- NAB: trending series picked by a printed rule -------------------------------------------------------------------

const SMOOTH = 13;
const RAMP_POINTS = 72;
const MIN_RAMP_RHO = 0.8;
const MIN_HISTORY = 288;
const NAB_RULE =
  `smooth each file with a centred ${SMOOTH}-point rolling median; up: limit = the smoothed series' eventual maximum, ` +
  `breach = the first time the smoothed series reaches it; down: the same with the minimum; a file's side qualifies when ` +
  `the breach has at least ${MIN_HISTORY} points before it and the smoothed series' ${RAMP_POINTS} points before the breach ` +
  `have Spearman rank correlation with time >= ${MIN_RAMP_RHO} toward the limit (ties ranked by their mean rank)`;

function rollingMedian(v: readonly number[], k: number): number[] {
  const h = Math.floor(k / 2);
  return v.map((_, i) => {
    const w = v.slice(Math.max(0, i - h), Math.min(v.length, i + h + 1)).filter(Number.isFinite).sort((a, b) => a - b);
    return w.length === 0 ? Number.NaN : w[Math.floor(w.length / 2)]!;
  });
}

function spearman(v: readonly number[]): number {
  const n = v.length;
  const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const rank = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) rank[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  const m = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - m) * (rank[i]! - m);
    sxx += (i - m) ** 2;
    syy += (rank[i]! - m) ** 2;
  }
  return syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

function nabCases(dir: string): { cases: Case[]; lines: string[] } {
  const cases: Case[] = [];
  const lines: string[] = [];
  for (const file of listCsvFiles(dir)) {
    const table = readCsv(`${dir}/${file}`, ['value']);
    const values = table.columns.value!;
    const smooth = rollingMedian(values, SMOOTH);
    for (const direction of ['up', 'down'] as const) {
      const g = direction === 'up' ? 1 : -1;
      let best = -Infinity;
      let at = -1;
      smooth.forEach((s, i) => {
        if (g * s > best) {
          best = g * s;
          at = i;
        }
      });
      if (at < MIN_HISTORY) continue;
      const rho = g * spearman(smooth.slice(at - RAMP_POINTS, at + 1));
      if (rho < MIN_RAMP_RHO) continue;
      const limit = g * best;
      lines.push(`  nab pick ${file} ${direction} limit=${limit.toPrecision(6)} breach_at=${new Date(table.timestamps[at]!).toISOString()} ramp_rho=${rho.toFixed(2)} points_before=${at}`);
      cases.push({
        group: 'nab',
        name: `${file} (${direction})`,
        timestamps: table.timestamps.slice(0, at),
        values: values.slice(0, at),
        limit: { value: limit, direction },
        breachAt: table.timestamps[at]!,
      });
    }
  }
  return { cases, lines };
}

// --- Evaluation ------------------------------------------------------------------------------------------------------

interface CaseResult {
  readonly errorsMin: number[];
  readonly missingLeads: number;
  readonly warned10: boolean;
  readonly warnings: number;
  readonly premature: number;
  readonly firstWarningLeadMin: number | undefined;
}

function evaluate(c: Case): CaseResult {
  const f = createForecaster();
  const errorsMin: number[] = [];
  let missingLeads = 0;
  let warned10 = false;
  let warnings = 0;
  let premature = 0;
  let warning = false;
  let firstWarningLeadMin: number | undefined;
  // The lead points: the last point at or before breach - lead.
  const leadIndex = new Map<number, number>();
  if (c.breachAt !== undefined) {
    for (const lead of LEADS_MIN) {
      let idx = -1;
      for (let i = 0; i < c.timestamps.length; i++) if (c.timestamps[i]! <= c.breachAt - lead * MINUTE) idx = i;
      if (idx >= 0) leadIndex.set(idx, (leadIndex.get(idx) ?? 0) + 1);
    }
  }
  for (let i = 0; i < c.values.length; i++) {
    const t = c.timestamps[i]!;
    f.update(t, c.values[i]!);
    if (i + 1 < c.values.length && c.timestamps[i + 1] === t) continue; // judge once per timestamp
    const forecast = f.forecast(c.limit);
    const decision = predictedBreach(forecast, { horizonMs: HORIZON_MS });
    if (decision.predicted && !warning) warnings++;
    warning = decision.predicted;
    if (c.breachAt !== undefined) {
      const aheadMin = (c.breachAt - t) / MINUTE;
      if (decision.predicted && aheadMin >= WARN_AHEAD_MIN && aheadMin <= HORIZON_MS / MINUTE) {
        warned10 = true;
        firstWarningLeadMin ??= aheadMin;
      }
      if (decision.predicted && aheadMin > 2 * (HORIZON_MS / MINUTE)) premature++;
      for (let k = 0; k < (leadIndex.get(i) ?? 0); k++) {
        if (forecast.kind === 'breach') errorsMin.push(Math.abs(forecast.timeToBreachMs / MINUTE - aheadMin));
        else missingLeads++;
      }
    }
  }
  return { errorsMin, missingLeads, warned10, warnings, premature, firstWarningLeadMin };
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function main(): void {
  const { values: args } = parseArgs({ options: { seeds: { type: 'string' }, data: { type: 'string' } } });
  const seeds = Number(args.seeds ?? 20);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error('--seeds must be a whole number >= 1');
  const dataDir = args.data ?? '/work/shared/data/nab-dev/data';
  const cases = syntheticCases(seeds);
  console.log(`forecast bench: ${seeds} seeds per synthetic group, horizon ${HORIZON_MS / MINUTE} min, minConfidence ${DEFAULT_MIN_CONFIDENCE}, leads ${LEADS_MIN.join('/')} min`);
  console.log(`  forecaster defaults: ${JSON.stringify(DEFAULT_FORECAST_OPTIONS)}`);
  if (existsSync(dataDir)) {
    const nab = nabCases(dataDir);
    console.log(`  nab rule: ${NAB_RULE}`);
    console.log(`  nab breach times and limits are DERIVED from the series by that rule, not labelled; ${nab.cases.length} picks:`);
    for (const l of nab.lines) console.log(l);
    console.log('  (the rule was fixed before the first run; a 24-hour ramp instead of 6 hours, tried once afterwards, picks no file at all.');
    console.log('   Most picks are daily-cycle peaks, rush-hour ramps or drops to zero, not saturating fills: expect large errors there.)');
    cases.push(...nab.cases);
  } else {
    console.log(`  nab: ${dataDir} not found, skipped`);
  }

  const groups = [...new Set(cases.map((c) => c.group))];
  const all: { c: Case; r: CaseResult }[] = cases.map((c) => ({ c, r: evaluate(c) }));
  for (const group of groups) {
    const rows = all.filter((x) => x.c.group === group);
    const fills = rows.filter((x) => x.c.breachAt !== undefined);
    if (fills.length > 0) {
      const errors = fills.flatMap((x) => x.r.errorsMin);
      const leadMae = LEADS_MIN.map((lead, k) => `${lead}min=${fmt(median(fills.flatMap((x) => (x.r.errorsMin.length === LEADS_MIN.length ? [x.r.errorsMin[k]!] : []))))}`).join(' ');
      const missing = fills.reduce((n, x) => n + x.r.missingLeads, 0);
      const warned = fills.filter((x) => x.r.warned10).length;
      const premature = fills.filter((x) => x.r.premature > 0).length;
      const firstLeads = fills.flatMap((x) => (x.r.firstWarningLeadMin === undefined ? [] : [x.r.firstWarningLeadMin]));
      console.log(
        `group ${group} series=${fills.length} mae_minutes=${fmt(median(errors))} (${leadMae}, full-estimate series only) ` +
          `no_estimate_leads=${missing}/${fills.length * LEADS_MIN.length} warned_10min=${warned}/${fills.length} ` +
          `median_warning_lead_min=${fmt(median(firstLeads), 1)} premature_warning_series=${premature}`,
      );
      for (const x of fills) if (!x.r.warned10) console.log(`  not warned ${WARN_AHEAD_MIN}+ min ahead: ${x.c.name}`);
    }
    const controls = rows.filter((x) => x.c.breachAt === undefined);
    if (controls.length > 0) {
      const warned = controls.filter((x) => x.r.warnings > 0);
      console.log(`group ${group} series=${controls.length} false_warning_series=${warned.length} false_warning_events=${controls.reduce((n, x) => n + x.r.warnings, 0)}`);
      for (const x of warned) console.log(`  false warning: ${x.c.name} (${x.r.warnings})`);
    }
  }

  // Throughput: update() alone over every series, one thread, best of three.
  const points = cases.reduce((n, c) => n + c.values.length, 0);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    for (const c of cases) {
      const f = createForecaster();
      for (let i = 0; i < c.values.length; i++) f.update(c.timestamps[i]!, c.values[i]!);
    }
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const probe = createForecaster();
  for (let i = 0; i < 500; i++) probe.update(START + i * MINUTE, 50 + Math.sin(i));
  console.log(`throughput points_per_s=${Math.round(points / best)} points=${points} (update() only, best of 3) state_bytes_per_series=${probe.stateBytes()} snapshot_json_bytes=${JSON.stringify(probe.snapshot()).length}`);

  const fills = all.filter((x) => x.c.breachAt !== undefined);
  const controls = all.filter((x) => x.c.breachAt === undefined);
  const errors = fills.flatMap((x) => x.r.errorsMin);
  const warnedShare = fills.filter((x) => x.r.warned10).length / Math.max(1, fills.length);
  const falseWarnings = controls.filter((x) => x.r.warnings > 0).length;
  console.log(
    `in_sample: ${IN_SAMPLE.length === 0 ? 'none of the forecaster defaults or this benchmark\'s thresholds was tuned on these series' : IN_SAMPLE.join('; ')}`,
  );
  console.log(`forecast series=${all.length} mae_minutes=${fmt(median(errors))} warned_10min_share=${fmt(warnedShare, 3)} false_warnings=${falseWarnings}`);
}

main();
