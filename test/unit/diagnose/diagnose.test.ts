import assert from 'node:assert/strict';
import type { Incident } from '../../../orchestrator/correlate/incident.ts';
import { initialTrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import type { CorrelationInput } from '../../../orchestrator/correlate/correlation-input.ts';
import type { Deployment } from '../../../orchestrator/diagnose/deployment.ts';
import { diagnose } from '../../../orchestrator/diagnose/diagnose.ts';
import type { CauseKind, DiagnosisContext } from '../../../orchestrator/diagnose/probable-cause.ts';
import type { SignalSeries } from '../../../orchestrator/diagnose/signal-series.ts';
import { API, DB, MIN, T0, WEB, a, topology } from '../correlate/fixtures.ts';

const COMMIT = '3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345';

/** The open incidents after feeding `inputs` to the tracker in one step. */
function incidents(inputs: CorrelationInput[], now: number): Incident[] {
  return step(initialTrackerState(), inputs, now, { topology: topology() }).state.open;
}

function deploy(stackKey: string, appliedAt: number, changes: Deployment['changes'], commit = COMMIT): Deployment {
  return { stackKey, commit, appliedAt, changes };
}

/** One point a minute from `from` to `to`, of `value(t)`. */
function series(stackKey: string, signalId: string, from: number, to: number, value: (t: number) => number): SignalSeries {
  const points = [];
  for (let t = from; t <= to; t += MIN) points.push({ timestamp: t, value: value(t) });
  return { stackKey, signalId, points };
}

const onset = T0 + 60 * MIN;
const versionBump = [{ resource: 'svc', path: 'version', old: '1.4.2', new: '1.5.0', op: 'update' }];
const capacityCut = [{ resource: 'svc', path: 'capacity', old: 4, new: 2, op: 'update' }];

/** CPU near its limit while requests double: 1000 req/min until 5 min before onset, then 2000. */
function saturated(stackKey: string): SignalSeries[] {
  return [
    series(stackKey, 'requests', T0, onset + 10 * MIN, (t) => (t < onset - 5 * MIN ? 1000 : 2000)),
    series(stackKey, 'cpu', T0, onset + 10 * MIN, (t) => (t < onset - 5 * MIN ? 47 : 95)),
  ];
}

describe('diagnosis', () => {
  const apiCpu = [a(API, 'cpu', onset, 95, 0.9), a(API, 'latency', onset + 2 * MIN, 850, 0.8, 'latency')];
  const apiErrors = [a(API, 'errors', onset, 42, 0.95, 'errors'), a(API, 'latency', onset + 1 * MIN, 900, 0.8, 'latency')];

  const cases: { name: string; inputs: CorrelationInput[]; context: Omit<DiagnosisContext, 'topology'>; first: CauseKind; kinds?: CauseKind[] }[] = [
    {
      name: 'ranks a version deployed 2 minutes before onset first when nothing is saturated',
      inputs: apiErrors,
      context: { deployments: [deploy(API, onset - 2 * MIN, versionBump)] },
      first: 'deployment',
      kinds: ['deployment', 'unknown'],
    },
    {
      name: 'ranks saturation first for CPU at 95% while requests double and nothing was deployed',
      inputs: apiCpu,
      context: { recentValues: saturated(API) },
      first: 'saturation',
      kinds: ['saturation', 'unknown'],
    },
    {
      name: 'ranks a capacity cut as a config change',
      inputs: apiCpu,
      context: { deployments: [deploy(API, onset - 8 * MIN, capacityCut)], recentValues: [series(API, 'cpu', T0, onset + 5 * MIN, () => 92)] },
      first: 'config-change',
    },
    {
      name: 'ranks a dependency whose incident opened first ahead of the unknown',
      inputs: apiErrors,
      context: { incidents: incidents([a(DB, 'cpu', onset - 12 * MIN, 99, 0.9)], onset) },
      first: 'dependency',
      kinds: ['dependency', 'unknown'],
    },
    {
      name: 'leaves only the unknown when nothing explains the signals',
      inputs: apiErrors,
      context: {
        deployments: [deploy(API, onset - 45 * MIN, versionBump), deploy(WEB, onset - 2 * MIN, versionBump)],
        recentValues: [series(API, 'cpu', T0, onset + 5 * MIN, () => 40)],
      },
      first: 'unknown',
      kinds: ['unknown'],
    },
    {
      name: 'prefers a deploy 2 minutes before onset over near-limit CPU without a demand rise',
      inputs: apiCpu,
      context: {
        deployments: [deploy(API, onset - 2 * MIN, versionBump)],
        recentValues: [series(API, 'requests', T0, onset + 5 * MIN, () => 1000), series(API, 'cpu', T0, onset + 5 * MIN, (t) => (t < onset ? 40 : 95))],
      },
      first: 'deployment',
      kinds: ['deployment', 'saturation', 'unknown'],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const [incident] = incidents(c.inputs, onset + 5 * MIN);
      const d = diagnose(incident!, { topology: topology(), ...c.context });
      assert.equal(d.causes[0]!.kind, c.first, d.summary);
      if (c.kinds) assert.deepEqual(d.causes.map((x) => x.kind), c.kinds);
      const confidences = d.causes.map((x) => x.confidence);
      assert.deepEqual(confidences, [...confidences].sort((x, y) => y - x));
      for (const x of confidences) assert.ok(x >= 0 && x <= 1);
      assert.ok(d.causes.some((x) => x.kind === 'unknown'));
    });
  }

  it('names the commit, its diff and the anomalous values in the deployment evidence', () => {
    const [incident] = incidents(apiErrors, onset + 5 * MIN);
    const d = diagnose(incident!, { topology: topology(), deployments: [deploy(API, onset - 2 * MIN, versionBump)] });
    const top = d.causes[0]!;
    assert.equal(top.commit, COMMIT);
    assert.deepEqual(top.diff, versionBump);
    assert.ok(top.confidence >= 0.8, `confidence ${top.confidence}`);
    const text = top.evidence.join('\n');
    assert.match(text, /commit 3f9c2a1b7d4e applied to infra\/\.\/api .*, 2 min before the incident's onset/);
    assert.match(text, /svc\.version: 1\.4\.2 -> 1\.5\.0 \(version\)/);
    assert.match(text, /errors on infra\/\.\/api = 42 \(peak score 0\.95/);
    assert.match(d.summary, /Most likely \(0\.\d\d\): deployment of commit 3f9c2a1b7d4e to infra\/\.\/api/);
    assert.match(d.summary, /git revert 3f9c2a1b7d4e/);
  });

  it('names the level, limit and demand ratio in the saturation evidence', () => {
    const [incident] = incidents(apiCpu, onset + 5 * MIN);
    const d = diagnose(incident!, { topology: topology(), recentValues: saturated(API) });
    const text = d.causes[0]!.evidence.join('\n');
    assert.match(text, /cpu on infra\/\.\/api reached 95 \(95% of its limit 100\)/);
    assert.match(text, /requests on infra\/\.\/api averaged 2000 in the anomaly window against 1000 before it \(2x\)/);
    assert.match(d.causes[0]!.check, /sandbox:capacity = 4/);
  });

  it('trusts a deploy less the longer before onset it was applied', () => {
    const [incident] = incidents(apiErrors, onset + 5 * MIN);
    const conf = (minutesBefore: number) =>
      diagnose(incident!, { topology: topology(), deployments: [deploy(API, onset - minutesBefore * MIN, versionBump)] }).causes[0]!.confidence;
    assert.ok(conf(2) > conf(10) && conf(10) > conf(25));
  });

  it('points at the dependency incident by id and says how much earlier it began', () => {
    const dep = incidents([a(DB, 'cpu', onset - 12 * MIN, 99, 0.9)], onset);
    const [incident] = incidents(apiErrors, onset + 5 * MIN);
    const top = diagnose(incident!, { topology: topology(), incidents: dep }).causes[0]!;
    assert.equal(top.dependencyIncident, dep[0]!.id);
    assert.match(top.evidence[0]!, /infra\/\.\/db \(a direct dependency of infra\/\.\/api\) has incident infra\/\.\/db@20261129T0040Z.*12 min before/);
    assert.match(top.evidence[1]!, /cpu on infra\/\.\/db = 99/);
  });

  it('ignores a dependency incident that began after this one', () => {
    const dep = incidents([a(DB, 'cpu', onset + 1 * MIN, 99, 0.9)], onset + 2 * MIN);
    const [incident] = incidents(apiErrors, onset + 5 * MIN);
    assert.deepEqual(diagnose(incident!, { topology: topology(), incidents: dep }).causes.map((x) => x.kind), ['unknown']);
  });
});
