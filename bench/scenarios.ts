/**
 * Scenario benchmark: how fast the whole loop handles each sandbox scenario.
 *
 * Runs `homeostat sandbox --scenario <name> --once --json` for each scenario,
 * one after another (each in its own temporary data folder), and reads its
 * final verdict event. Times count from the fault's onset, in simulated
 * minutes and real seconds:
 *   scenario=<name> outcome=<passed|failed> detect=<min>/<s> commit=<min>/<s> recover=<min>/<s> actions=<n> proposals=<n>
 *     warned=<minute> lead_error=<min> lead_alarm=<min> run=<s>
 * ("-" where the step did not happen). `warned` is the simulated minute of the
 * service's first predicted incident (a forecast breach, from its incident
 * records); `lead_error` and `lead_alarm` are how many simulated minutes
 * before the first error (error rate at or above 1 %, or an anomalous errors
 * signal) and the first alarm it came: `none` when that never happened,
 * `-` when there was no warning. For false-alarm, actions is the
 * number of remediation commits made on a blip: the target is 0.
 *
 * Usage: npm run --silent bench:scenarios [-- --scenario traffic-spike --scenario false-alarm --minute-seconds 1]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../orchestrator/runtime/toolchain.ts';
import { SCENARIO_NAMES, parseScenarioName } from '../sandbox/scenarios.ts';
import type { Mark, Measurements, Warning } from '../sandbox/observations.ts';
import { parseMinuteLength } from '../sandbox/sim-clock.ts';
import { TimelineEventSchema, type TimelineEvent } from '../orchestrator/timeline/timeline-event.ts';

const { values } = parseArgs({
  options: { scenario: { type: 'string', multiple: true }, 'minute-seconds': { type: 'string', default: '1' } },
});
const scenarios = (values.scenario ?? [...SCENARIO_NAMES]).map(parseScenarioName);
const minuteSeconds = parseMinuteLength(values['minute-seconds']);

/** Runs one scenario through the CLI; its final verdict event, or a description of what went wrong. */
async function run(scenario: string): Promise<{ verdict?: TimelineEvent; code: number | null; realMs: number; tail: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'homeostat-bench-'));
  const started = Date.now();
  try {
    const child = spawn(process.execPath, ['orchestrator/cli/bin.mjs', 'sandbox', '--scenario', scenario, '--minute-seconds', String(minuteSeconds), '--once', '--json', '--data-dir', dataDir], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-20_000)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const events = stdout.split('\n').flatMap((l) => {
      try {
        return [TimelineEventSchema.parse(JSON.parse(l))];
      } catch {
        return [];
      }
    });
    const verdict = events.findLast((e) => e.type === 'service' && (e.outcome === 'passed' || e.outcome === 'failed'));
    // What killed it: the last error on the timeline, else the error line of a crash.
    const crash = stderr.split('\n').find((l) => /^\w*Error\b|^homeostat: /.test(l.trim()));
    const lastError = events.findLast((e) => e.type === 'error')?.message ?? crash ?? stderr.trim().split('\n').at(-1) ?? '';
    return { ...(verdict ? { verdict } : {}), code, realMs: Date.now() - started, tail: lastError };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const fmt = (m: Mark | null) => (m ? `${m.simMinutes}min/${(m.realMs / 1000).toFixed(1)}s` : '-');
/** The warning's lead before an event: minutes, `none` when the event never came, `-` without a warning. */
const lead = (w: Warning | null | undefined, at: 'firstErrorMinute' | 'firstAlarmMinute', leadMin: number | null | undefined) =>
  !w || w.warnedMinute === null ? '-' : w[at] === null ? 'none' : `${leadMin}min`;

for (const scenario of scenarios) {
  const r = await run(scenario);
  if (!r.verdict) {
    console.log(`scenario=${scenario} outcome=error exit=${r.code} run=${(r.realMs / 1000).toFixed(0)}s error=${JSON.stringify(r.tail.slice(0, 200))}`);
    continue;
  }
  const m = r.verdict.details?.measurements as Measurements;
  // Neither a blip nor a slow dependency is fixed on the sandbox stack: nothing should be done there.
  const target = scenario === 'false-alarm' || scenario === 'dependency-slowdown' ? ' (target 0)' : '';
  console.log(
    `scenario=${scenario} outcome=${r.verdict.outcome} detect=${fmt(m.detection)} commit=${fmt(m.commit)} recover=${fmt(m.recovery)} actions=${m.actions}${target} proposals=${m.proposals}` +
      ` warned=${m.warning?.warnedMinute ?? '-'} lead_error=${lead(m.warning, 'firstErrorMinute', m.warning?.leadBeforeErrorMinutes)} lead_alarm=${lead(m.warning, 'firstAlarmMinute', m.warning?.leadBeforeAlarmMinutes)} run=${(r.realMs / 1000).toFixed(0)}s`,
  );
}
