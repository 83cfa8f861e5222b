import assert from 'node:assert/strict';
import type { SignalSeries } from '../../../orchestrator/diagnose/signal-series.ts';
import { restartRollout } from '../../../remediations/playbooks/restart-rollout.ts';
import { runPlaybook } from '../../../remediations/run-playbook.ts';
import type { ConfigPatchProposal } from '../../../remediations/proposal.ts';
import type { PlaybookInput } from '../../../remediations/playbook.ts';
import { APP, MIN, ONSET, appContract, cause, incident, incidentSignal, sandboxContract, series } from './fixtures.ts';

const from = ONSET - 120 * MIN;
const to = ONSET + 5 * MIN;
/** Memory climbing 40% -> 90% over two hours, with a little ripple. */
const leak = series(APP, 'memory', from, to, (t) => 40 + (50 * (t - from)) / (to - from) + ((t / MIN) % 3) - 1);
const flatDemand = series(APP, 'requests', from, to, (t) => 500 + ((t / MIN) % 5));
const risingDemand = series(APP, 'requests', from, to, (t) => 500 + (1000 * (t - from)) / (to - from));
const sawtooth = series(APP, 'memory', from, to, (t) => 40 + (((t - from) / MIN) % 20) * 2.5);

function input(recentValues: SignalSeries[], causes = [cause('saturation', 0.6)], restartedAt = ''): PlaybookInput {
  return {
    incident: incident(APP, [incidentSignal(APP, 'memory', 90, 'saturation')]),
    causes,
    stack: { stackKey: APP, contract: appContract(restartedAt) },
    recentValues,
  };
}

describe('restart-rollout playbook', () => {
  const onsetIso = new Date(ONSET).toISOString();
  const cases: { name: string; input: PlaybookInput; want?: { confidence: [number, number] } }[] = [
    { name: 'restarts on a steady memory climb with flat demand', input: input([leak, flatDemand]), want: { confidence: [0.75, 0.8] } },
    { name: 'also when the unknown leads, but is less sure without demand values', input: input([leak], [cause('unknown', 0.3)]), want: { confidence: [0.6, 0.64] } },
    { name: 'does not restart when demand grew with memory', input: input([leak, risingDemand]) },
    { name: 'does not restart on a sawtooth (memory is being freed)', input: input([sawtooth, flatDemand]) },
    { name: 'does not restart when a deployment leads (rollback-deploy is the answer)', input: input([leak, flatDemand], [cause('deployment', 0.8, { commit: 'abcdef1' })]) },
    { name: 'does not restart twice for the same incident', input: input([leak, flatDemand], undefined, onsetIso) },
    { name: 'does not restart without a climb to look at', input: input([]) },
    {
      name: 'does not apply to a stack without a restart key',
      input: { ...input([leak, flatDemand]), stack: { stackKey: APP, contract: sandboxContract() } },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const run = runPlaybook(restartRollout, c.input);
      assert.ok(run.ok, JSON.stringify(run));
      if (!c.want) return assert.deepEqual(run.proposals, []);
      const p = run.proposals[0] as ConfigPatchProposal;
      assert.equal(p.file, 'stacks/Pulumi.app-prod.yaml');
      assert.deepEqual(p.changes, [{ key: 'app:restartedAt', from: '', to: onsetIso }]);
      assert.equal(p.risk, 'low');
      assert.ok(p.confidence >= c.want.confidence[0] && p.confidence <= c.want.confidence[1], `confidence ${p.confidence}`);
      assert.equal(p.expectedEffect[0]!.signalId, 'memory');
      assert.ok(Math.abs(p.expectedEffect[0]!.relative - 0.55) < 0.05, `relative ${p.expectedEffect[0]!.relative}`);
      assert.match(p.explanation, /leak/);
    });
  }
});
