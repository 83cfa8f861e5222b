import assert from 'node:assert/strict';
import type { Incident } from '../../../orchestrator/correlate/incident.ts';
import type { IncidentPrediction } from '../../../orchestrator/correlate/predicted-breach.ts';
import { diagnose } from '../../../orchestrator/diagnose/diagnose.ts';
import { PLAYBOOKS, proposeAll, runPlaybook } from '../../../remediations/index.ts';
import { growVolume } from '../../../remediations/playbooks/grow-volume.ts';
import { rollbackDeploy } from '../../../remediations/playbooks/rollback-deploy.ts';
import { scaleOut } from '../../../remediations/playbooks/scale-out.ts';
import type { PlaybookInput } from '../../../remediations/playbook.ts';
import type { HealthSignal, StackContract } from '../../../stacks/contract.ts';
import { COMMIT, MIN, ONSET, SANDBOX, cause, incident, incidentSignal, sandboxContract, series } from './fixtures.ts';

const DISK: HealthSignal = {
  id: 'disk',
  namespace: 'Homeostat/Sandbox',
  metricName: 'DiskUsedPercent',
  dimensions: { ServiceName: 'checkout' },
  stat: 'Average',
  period: 60,
  role: 'utilisation',
  higherIsWorse: true,
  limit: 100,
  resource: 'checkout-data',
};

/** The sandbox contract with a data volume: disk (% used, limit 100) and its size key, 20 GiB in [10, 200]. */
function withVolume(volume: Partial<Extract<StackContract['remediable'][number], { type: 'integer' }>> = {}): StackContract {
  const c = sandboxContract();
  return {
    ...c,
    healthSignals: [...c.healthSignals, DISK],
    remediable: [...c.remediable, { key: 'sandbox:volumeGiB', purpose: 'storage', resource: 'checkout-data', type: 'integer', min: 10, max: 200, current: 20, maxStepRatio: 2, ...volume }],
  };
}

function prediction(signalId: string, over: Partial<IncidentPrediction> = {}): IncidentPrediction {
  return {
    seriesId: `${SANDBOX}:${signalId}`,
    stackKey: SANDBOX,
    signalId,
    role: 'utilisation',
    limit: 100,
    direction: 'up',
    firstPredictedAt: ONSET,
    firstTimeToBreachMs: 25 * MIN,
    firstInterval: { earliestMs: 20 * MIN, latestMs: 31 * MIN },
    lastPredictedAt: ONSET + 2 * MIN,
    timeToBreachMs: 23 * MIN,
    interval: { earliestMs: 19 * MIN, latestMs: 28 * MIN },
    breachAt: ONSET + 25 * MIN,
    confidence: 0.95,
    lastValue: 77,
    horizonMs: 30 * MIN,
    points: 3,
    summary: 'breach in 23.0 min (19.0 min to 28.0 min), 95% confident it happens within 30.0 min',
    ...over,
  };
}

/** A predicted incident: nothing observed, one series forecast to breach. */
function predictedIncident(signalId: string, over: Partial<IncidentPrediction> = {}): Incident {
  return { ...incident(SANDBOX, []), predicted: true, predictions: [prediction(signalId, over)] };
}

function inputFor(inc: Incident, contract: StackContract, signalId: string, level: number): PlaybookInput {
  const { causes } = diagnose(inc, { topology: { stacks: { [SANDBOX]: { contract, dependsOn: [] } } } });
  return {
    incident: inc,
    causes,
    stack: { stackKey: SANDBOX, contract },
    recentValues: [series(SANDBOX, signalId, ONSET - 30 * MIN, ONSET + 2 * MIN, (t) => level - (ONSET + 2 * MIN - t) / MIN)],
  };
}

describe('proactive remediation', () => {
  describe('diagnosis of a predicted incident', () => {
    it('names a predicted saturation of the forecast signal, with the time to breach and its interval as evidence', () => {
      const contract = withVolume();
      const { causes, summary } = diagnose(predictedIncident('disk'), { topology: { stacks: { [SANDBOX]: { contract, dependsOn: [] } } } });
      const top = causes[0]!;
      assert.equal(top.kind, 'saturation');
      assert.equal(top.predicted, true);
      assert.equal(top.signalId, 'disk');
      assert.ok(Math.abs(top.confidence - (0.45 + 0.45 * 0.95)) < 0.001, String(top.confidence));
      assert.match(top.evidence[0]!, /disk on infra\/\.\/sandbox was 77 .* forecast to reach its limit 100 in 23 min \(19 min to 28 min\)/);
      assert.match(summary, /^Predicted incident .*1 signal forecast to reach its limit/);
      assert.match(summary, /predicted saturation of infra\/\.\/sandbox \(disk\)/);
    });

    it('gives no predicted cause for a signal the contract does not declare', () => {
      const { causes } = diagnose(predictedIncident('inodes'), { topology: { stacks: { [SANDBOX]: { contract: withVolume(), dependsOn: [] } } } });
      assert.deepEqual(causes.map((c) => c.kind), ['unknown']);
    });
  });

  describe('running playbooks on a predicted incident', () => {
    it('a filling disk gets a bigger volume ahead of time: proactive, medium risk, aimed at the disk signal', () => {
      const input = inputFor(predictedIncident('disk'), withVolume(), 'disk', 77);
      const { proposals, failures } = proposeAll(input);
      assert.deepEqual(failures, []);
      assert.deepEqual(proposals.map((p) => p.playbook), ['grow-volume'], 'more instances do not relieve a disk');
      const p = proposals[0]!;
      assert.equal(p.proactive, true);
      assert.equal(p.risk, 'medium', 'a 2x step is low risk on its own; ahead of time it is medium');
      assert.equal(p.confidence, input.causes[0]!.confidence, 'the bounds did not cut the step');
      assert.deepEqual(p.kind === 'config-patch' && p.changes, [{ key: 'sandbox:volumeGiB', from: 20, to: 40 }]);
      assert.equal(p.expectedEffect[0]!.signalId, 'disk');
      assert.match(p.explanation, /disk is forecast to reach its limit/);
    });

    it('a CPU forecast to saturate gets more instances ahead of time, proactive and medium risk', () => {
      const { proposals } = proposeAll(inputFor(predictedIncident('cpu'), sandboxContract(), 'cpu', 70));
      assert.deepEqual(proposals.map((p) => [p.playbook, p.proactive, p.risk]), [['scale-out', true, 'medium']]);
      assert.deepEqual(proposals[0]!.kind === 'config-patch' && proposals[0]!.changes, [{ key: 'sandbox:capacity', from: 2, to: 3 }]);
    });

    it('a playbook that does not declare itself proactive is not run on a prediction', () => {
      const input = { ...inputFor(predictedIncident('cpu'), sandboxContract(), 'cpu', 70), causes: [cause('deployment', 0.95, { stackKey: SANDBOX, commit: COMMIT })] };
      assert.deepEqual(runPlaybook(rollbackDeploy, input), { ok: true, playbook: 'rollback-deploy', proposals: [] });
      assert.deepEqual(PLAYBOOKS.filter((p) => p.proactive).map((p) => p.id).sort(), ['grow-volume', 'scale-out']);
    });

    it('the same playbooks on an observed incident make ordinary proposals (not proactive, their own risk)', () => {
      const observed = incident(SANDBOX, [incidentSignal(SANDBOX, 'cpu', 96)]);
      const input: PlaybookInput = { incident: observed, causes: [cause('saturation', 0.9, { stackKey: SANDBOX, signalId: 'cpu' })], stack: { stackKey: SANDBOX, contract: sandboxContract() } };
      const run = runPlaybook(scaleOut, input);
      assert.ok(run.ok);
      assert.equal(run.proposals[0]!.proactive, undefined);
      assert.equal(run.proposals[0]!.risk, 'low');
    });

    it('grow-volume keeps within the key bounds, and proposes nothing at the max', () => {
      const input = inputFor(predictedIncident('disk'), withVolume({ current: 200 }), 'disk', 77);
      assert.deepEqual(runPlaybook(growVolume, input), { ok: true, playbook: 'grow-volume', proposals: [] });
      const capped = runPlaybook(growVolume, inputFor(predictedIncident('disk'), withVolume({ current: 150 }), 'disk', 77));
      assert.ok(capped.ok);
      assert.deepEqual(capped.proposals[0]!.kind === 'config-patch' && capped.proposals[0]!.changes, [{ key: 'sandbox:volumeGiB', from: 150, to: 200 }]);
    });
  });
});
