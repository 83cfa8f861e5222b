/**
 * Alert noise: how many incidents a person sees for one root cause.
 *
 * A generated, seeded scenario: commit X rolls a bad version out to the api
 * stack; over the next 30 minutes, error, latency and CPU signals of the api
 * and of the three stacks that depend on it (web, checkout, search) turn
 * anomalous on and off, and their alarms fire and clear. The anomalies and
 * alarm states are fed to the incident tracker a minute at a time (as the
 * detect stage would), until everything has gone quiet; each incident is
 * then diagnosed with the deployments (derived from run records), the other
 * incidents and the signals' recent values. Prints:
 *   alert_noise raw_anomalies=<n> alarm_transitions=<n> incidents_opened=<n> reduction=<x>x
 *   top_cause incident=<id> kind=<kind> confidence=<c> commit=<sha>
 * followed by the top incident's summary.
 *
 * Usage: npx tsx bench/alert-noise.ts [-- --seed 7]
 */
import { parseArgs } from 'node:util';
import { alarmInput, anomalyInput, inputTime, type CorrelationInput } from '../orchestrator/correlate/correlation-input.ts';
import { step } from '../orchestrator/correlate/tracker.ts';
import { initialTrackerState } from '../orchestrator/correlate/tracker-state.ts';
import type { Incident } from '../orchestrator/correlate/incident.ts';
import type { Topology } from '../orchestrator/correlate/topology.ts';
import { deploymentsFromRuns } from '../orchestrator/diagnose/deployment.ts';
import { diagnose } from '../orchestrator/diagnose/diagnose.ts';
import type { SignalSeries } from '../orchestrator/diagnose/signal-series.ts';
import type { RunRecord } from '../orchestrator/records/run-record.ts';
import type { HealthSignal, SignalRole, StackContract } from '../stacks/contract.ts';
import { prng } from '../test/support/seeded-random.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const DEPLOY_AT = T0 + 60 * MIN;
const COMMIT = '9b1e4c7a2f3d5e6b8c0a1d2e3f4a5b6c7d8e9f01';


const SIGNALS: { id: string; role: SignalRole; limit?: number; base: number; bad: number }[] = [
  { id: 'cpu', role: 'utilisation', limit: 100, base: 45, bad: 68 },
  { id: 'latency', role: 'latency', base: 120, bad: 900 },
  { id: 'errors', role: 'errors', base: 1, bad: 60 },
  { id: 'requests', role: 'demand', base: 1000, bad: 1000 },
];

function contract(name: string): StackContract {
  const healthSignals: HealthSignal[] = SIGNALS.map((s) => ({
    id: s.id,
    namespace: 'Homeostat/Bench',
    metricName: s.id,
    dimensions: { Service: name },
    stat: 'Average',
    period: 60,
    role: s.role,
    higherIsWorse: s.role !== 'demand',
    ...(s.limit === undefined ? {} : { limit: s.limit }),
    resource: name,
  }));
  return {
    kind: 'sandbox',
    healthSignals,
    alarms: [`${name}-errors`, `${name}-latency`],
    remediable: [
      { key: `${name}:capacity`, purpose: 'capacity', resource: name, type: 'integer', min: 1, max: 20, current: 4, maxStepRatio: 2 },
      { key: `${name}:version`, purpose: 'version', type: 'string', current: '2.7.0' },
    ],
  };
}

/** The bad deploy, as the deploy worker records it. */
function badDeployRun(): RunRecord {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: 'r-bench-1',
    jobId: `infra/./api@${COMMIT}`,
    target: { repo: 'infra', project: '', stack: 'api' },
    stackKey: 'infra/./api',
    commit: COMMIT,
    apply: true,
    mode: 'deploy',
    trigger: { kind: 'push', deliveryId: 'bench-1', forge: 'github', ref: 'refs/heads/main' },
    phase: 'done',
    status: 'applied',
    attempt: 1,
    applySummary: {
      counts: { update: 1, same: 3 },
      resources: [
        { urn: 'urn:pulumi:api::infra::svc::api', type: 'svc', name: 'api', op: 'update', changes: [{ path: 'version', kind: 'update', replace: false, old: '2.6.3', new: '2.7.0' }] },
        { urn: 'urn:pulumi:api::infra::lb::api-lb', type: 'lb', name: 'api-lb', op: 'same', changes: [] },
      ],
      policyViolations: [],
      outputs: {},
      errors: [],
    },
    timings: { enqueuedAt: iso(DEPLOY_AT - 3 * MIN), startedAt: iso(DEPLOY_AT - 2 * MIN), finishedAt: iso(DEPLOY_AT) },
  };
}

function main(): void {
  const { values } = parseArgs({ options: { seed: { type: 'string' } } });
  const rnd = prng(Number(values.seed ?? 7));
  const root = 'infra/./api';
  const dependents = ['infra/./web', 'infra/./checkout', 'infra/./search'];
  const stacks = [root, ...dependents];
  const topology: Topology = {
    stacks: Object.fromEntries(stacks.map((s) => [s, { contract: contract(s.slice(s.lastIndexOf('/') + 1)), dependsOn: s === root ? [] : [root] }])),
  };

  // Generate: from the deploy, 30 minutes of trouble; the api breaks first, its dependents a few minutes later.
  const inputs: CorrelationInput[] = [];
  const recentValues: SignalSeries[] = [];
  let rawAnomalies = 0;
  let alarmTransitions = 0;
  for (const stackKey of stacks) {
    const breaksAt = DEPLOY_AT + (stackKey === root ? 2 : 3 + Math.floor(rnd() * 6)) * MIN;
    const fixedAt = DEPLOY_AT + 30 * MIN;
    for (const sig of SIGNALS) {
      const points: { timestamp: number; value: number }[] = [];
      for (let t = T0; t <= DEPLOY_AT + 60 * MIN; t += MIN) {
        const trouble = t >= breaksAt && t < fixedAt;
        const value = (trouble ? sig.bad : sig.base) * (0.9 + 0.2 * rnd());
        points.push({ timestamp: t, value });
        // Demand stays flat (the deploy, not the users, is the trouble); the others flicker past the threshold.
        if (trouble && sig.role !== 'demand' && rnd() < (stackKey === root ? 0.8 : 0.55)) {
          rawAnomalies++;
          inputs.push(
            anomalyInput({ seriesId: `${stackKey}:${sig.id}`, stackKey, signalId: sig.id, role: sig.role, timestamp: t, value, score: 0.5 + 0.5 * rnd(), threshold: 0.5 }),
          );
        }
      }
      recentValues.push({ stackKey, signalId: sig.id, points });
    }
    for (const name of ['errors', 'latency']) {
      const alarmName = `${stackKey.slice(stackKey.lastIndexOf('/') + 1)}-${name}`;
      // Each alarm flaps: ALARM, OK, ALARM again, then OK once fixed.
      const first = breaksAt + Math.floor(rnd() * 4) * MIN;
      for (const [state, at] of [['ALARM', first], ['OK', first + 6 * MIN], ['ALARM', first + 9 * MIN], ['OK', fixedAt + 2 * MIN]] as const) {
        if (state === 'ALARM') alarmTransitions++;
        inputs.push(alarmInput({ stackKey, alarmName, state, timestamp: at }));
      }
    }
  }

  // Correlate, a minute at a time, as the service would.
  const timeOf = inputTime;
  let state = initialTrackerState();
  const incidents = new Map<string, Incident>();
  let opened = 0;
  for (let t = DEPLOY_AT; t <= DEPLOY_AT + 90 * MIN; t += MIN) {
    const r = step(state, inputs.filter((e) => timeOf(e) > t - MIN && timeOf(e) <= t), t, { topology });
    state = r.state;
    for (const ev of r.incidentEvents) {
      if (ev.type === 'opened') opened++;
      incidents.set(ev.incidentId, ev.incident);
    }
  }

  // Diagnose each incident as it stood when it resolved.
  const deployments = deploymentsFromRuns([badDeployRun()]);
  const all = [...incidents.values()];
  const raw = rawAnomalies + alarmTransitions;
  console.log(
    `alert_noise raw_anomalies=${rawAnomalies} alarm_transitions=${alarmTransitions} incidents_opened=${opened} reduction=${(raw / Math.max(opened, 1)).toFixed(1)}x`,
  );
  for (const inc of all) {
    const d = diagnose(inc, { topology, deployments, incidents: all, recentValues });
    const top = d.causes[0]!;
    console.log(
      `top_cause incident=${inc.id} stacks=${inc.stacks.length} signals=${inc.signals.length} alarms=${inc.alarms.length} kind=${top.kind} confidence=${top.confidence.toFixed(2)}${top.commit ? ` commit=${top.commit.slice(0, 12)}` : ''}${top.commit === COMMIT ? ' (the root cause)' : ''}`,
    );
  }
  const first = all[0];
  if (first) console.log(`\n${diagnose(first, { topology, deployments, incidents: all, recentValues }).summary}`);
}

main();
