import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIAGNOSIS_DEFAULTS } from '../../../orchestrator/diagnose/index.ts';
import { operatorDecision } from '../../../sandbox/sandbox-operator.ts';
import { DEPENDENCY_ONSET_MINUTE, SANDBOX_ONSET_MINUTE, sandboxPlan } from '../../../sandbox/scenario-plan.ts';
import { SCENARIO_NAMES } from '../../../sandbox/scenarios.ts';

describe('sandbox: scenario plans', () => {
  it('has a plan for every scenario, and names the valid ones for an unknown name', () => {
    for (const n of SCENARIO_NAMES) assert.equal(sandboxPlan(n).scenario.name, n);
    assert.throws(() => sandboxPlan('meteor'), /unknown scenario "meteor": valid scenarios are traffic-spike, bad-release, slow-saturation, disk-fill, false-alarm/);
  });

  it('starts every fault after the deployment lookback of diagnosis, so the initial deploy is no suspect', () => {
    assert.ok(SANDBOX_ONSET_MINUTE * 60_000 > DIAGNOSIS_DEFAULTS.lookbackMs);
    for (const n of SCENARIO_NAMES) {
      const sc = sandboxPlan(n).scenario;
      // dependency-slowdown starts later: its trace periods need a baseline before the dependency window.
      assert.equal(sc.release?.atMinute ?? sc.onsetMinute, n === 'dependency-slowdown' ? DEPENDENCY_ONSET_MINUTE : SANDBOX_ONSET_MINUTE);
    }
  });

  it('expects capacity for load, a revert for a bad release, nothing for a blip', () => {
    const kinds = Object.fromEntries(SCENARIO_NAMES.map((n) => [n, sandboxPlan(n).expected]));
    assert.deepEqual(kinds['traffic-spike'], { kind: 'remedy', playbooks: ['scale-out'], beforeErrors: false, warnedAhead: false, description: 'a scale-out, verified effective' });
    assert.deepEqual(kinds['bad-release']!.kind === 'remedy' && kinds['bad-release']!.playbooks, ['rollback-deploy']);
    assert.ok(kinds['slow-saturation']!.kind === 'remedy' && kinds['slow-saturation']!.beforeErrors && kinds['slow-saturation']!.warnedAhead);
    assert.ok(kinds['disk-fill']!.kind === 'remedy' && kinds['disk-fill']!.beforeErrors && kinds['disk-fill']!.warnedAhead);
    assert.deepEqual(kinds['disk-fill']!.kind === 'remedy' && kinds['disk-fill']!.playbooks, ['grow-volume']);
    assert.equal(kinds['false-alarm']!.kind, 'no-action');
    assert.deepEqual(kinds['dependency-slowdown']!.kind === 'dependency' && [kinds['dependency-slowdown']!.service, kinds['dependency-slowdown']!.caller], ['payments', 'checkout']);
    assert.match(sandboxPlan('slow-saturation').scenario.description, /180 minutes/, 'the description tells the effective ramp');
  });

  it('draws the false alarm\'s blip from the seed, and watches it for the same time after its end', () => {
    for (const [seed, minutes] of [[2, 1], [7, 6]] as const) {
      const plan = sandboxPlan('false-alarm', { seed });
      assert.equal(plan.seed, seed);
      assert.equal(plan.scenario.durationMinutes, minutes);
      assert.equal(plan.horizonMinute, SANDBOX_ONSET_MINUTE + minutes + plan.settleMinutes);
    }
    assert.equal(sandboxPlan('false-alarm').seed, 1, 'seed 1 by default');
    assert.throws(() => sandboxPlan('false-alarm', { seed: -1 }), /invalid seed -1/);
    // A fault that lasts is watched from its onset, whatever the seed.
    assert.equal(sandboxPlan('traffic-spike', { seed: 7 }).horizonMinute, SANDBOX_ONSET_MINUTE + 90);
    assert.equal(sandboxPlan('slow-saturation').horizonMinute, SANDBOX_ONSET_MINUTE + 180);
  });

  it('the stand-in on call approves every review item, knowing nothing of the scenario', () => {
    for (const playbook of ['rollback-deploy', 'scale-out', 'scale-up']) assert.equal(operatorDecision({ playbook, title: playbook }).approve, true);
    assert.equal(operatorDecision.length, 1, 'it takes the review item only');
  });

  it('the pure sandbox files do no I/O', () => {
    const dir = join(import.meta.dirname, '../../../sandbox');
    for (const file of ['alarm-rules.ts', 'scenario-plan.ts', 'scenario-verdict.ts', 'observations.ts', 'sandbox-config.ts', 'verdicts/manual-change-verdict.ts', 'verdicts/false-alarm-verdict.ts', 'verdicts/dependency-slowdown-verdict.ts', 'verdicts/judgement.ts']) {
      const src = readFileSync(join(dir, file), 'utf8');
      const imports = [...src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
      for (const spec of imports) {
        assert.ok(['./alarm-rules.ts', './scenario-plan.ts', './scenarios.ts', './fleet-model.ts', './scenario-verdict.ts', './observations.ts', './verdicts/manual-change-verdict.ts', './verdicts/false-alarm-verdict.ts', './verdicts/dependency-slowdown-verdict.ts', './judgement.ts', '../orchestrator/timeline/timeline-event.ts', '../stacks/sandbox/instance-sizes.ts'].includes(spec), `${file} imports ${spec}`);
      }
      assert.doesNotMatch(src, /Date\.now\(|Math\.random\(|new Date\(/, `${file} reads no clock and no randomness of its own`);
    }
  });
});
