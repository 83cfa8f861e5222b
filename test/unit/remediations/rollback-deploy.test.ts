import assert from 'node:assert/strict';
import type { Deployment } from '../../../orchestrator/diagnose/deployment.ts';
import { rollbackDeploy } from '../../../remediations/playbooks/rollback-deploy.ts';
import { runPlaybook } from '../../../remediations/run-playbook.ts';
import type { PlaybookInput } from '../../../remediations/playbook.ts';
import { COMMIT, MIN, ONSET, SANDBOX, cause, incident, incidentSignal, sandboxContract, series } from './fixtures.ts';

const versionBump: Deployment['changes'] = [{ resource: 'checkout', path: 'version', old: 'v1.0.0', new: 'v1.1.0', op: 'update' }];
const deploy = (commit: string, at: number): Deployment => ({ stackKey: SANDBOX, commit, appliedAt: at, changes: versionBump });

function input(causes: ReturnType<typeof cause>[], deployments: Deployment[] = [deploy(COMMIT, ONSET - 2 * MIN)], withBaseline = false): PlaybookInput {
  return {
    incident: incident(SANDBOX, [incidentSignal(SANDBOX, 'errors', 40, 'errors'), incidentSignal(SANDBOX, 'latency', 800, 'latency')]),
    causes,
    stack: { stackKey: SANDBOX, contract: sandboxContract() },
    deployments,
    ...(withBaseline ? { recentValues: [series(SANDBOX, 'errors', ONSET - 40 * MIN, ONSET + 5 * MIN, (t) => (t < ONSET ? 2 : 40))] } : {}),
  };
}

describe('rollback-deploy playbook', () => {
  const deployed = cause('deployment', 0.85, { commit: COMMIT, stackKey: SANDBOX });
  const cases: { name: string; input: PlaybookInput; want?: { confidence: number; note: RegExp } }[] = [
    { name: "reverts the leading deployment's commit when it is the stack's latest", input: input([deployed, cause('unknown', 0.2)]), want: { confidence: 0.85, note: /latest deployment/ } },
    { name: 'reverts a config change (a capacity cut) too', input: input([cause('config-change', 0.8, { commit: COMMIT })]), want: { confidence: 0.8, note: /latest deployment/ } },
    {
      name: 'is less sure when later deployments followed the commit',
      input: input([deployed], [deploy(COMMIT, ONSET - 10 * MIN), deploy('0123456789abcdef', ONSET - 2 * MIN)]),
      want: { confidence: 0.638, note: /1 later deployment\(s\) followed it \(0123456789ab\)/ },
    },
    { name: 'is less sure when the deployments given do not show the commit', input: input([deployed], []), want: { confidence: 0.722, note: /do not show it/ } },
    { name: 'proposes nothing when saturation leads', input: input([cause('saturation', 0.9), deployed]) },
    { name: 'proposes nothing when the cause names no commit', input: input([cause('deployment', 0.9)]) },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const run = runPlaybook(rollbackDeploy, c.input);
      assert.ok(run.ok, JSON.stringify(run));
      if (!c.want) return assert.deepEqual(run.proposals, []);
      const p = run.proposals[0]!;
      assert.equal(p.kind, 'revert');
      assert.equal(p.kind === 'revert' && p.commit, COMMIT);
      assert.equal(p.risk, 'medium');
      assert.equal(p.confidence, c.want.confidence);
      assert.match(p.explanation, c.want.note);
    });
  }

  it('expects each anomalous signal back at its pre-deploy level: by the baseline when known, roughly half when not', () => {
    const known = runPlaybook(rollbackDeploy, input([deployed], undefined, true));
    assert.ok(known.ok);
    assert.deepEqual(
      known.proposals[0]!.expectedEffect.map((e) => [e.signalId, e.direction, e.relative]),
      [
        ['errors', 'down', 0.95],
        ['latency', 'down', 0.5],
      ],
    );
    assert.match(known.proposals[0]!.expectedEffect[0]!.note, /back to about 2, its level before 3f9c2a1b7d4e, from 40/);
    assert.match(known.proposals[0]!.expectedEffect[1]!.note, /rough, no baseline values/);
  });
});
