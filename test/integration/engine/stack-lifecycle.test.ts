import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStackRunner, type StackRunner } from '../../../orchestrator/engine/stack-runner.ts';
import { changedResources } from '../../../orchestrator/engine/run-summary.ts';
import { resolveToolchain } from '../../../orchestrator/runtime/toolchain.ts';
import { startFleetSimulator, type FleetSimulator } from '../../../sandbox/fleet-simulator.ts';
import { StackContractSchema } from '../../../stacks/contract.ts';
import { createProjectCheckout, git, type ProjectCheckout } from '../../support/project-checkout.ts';

const SERVICE = 'pulumi-nodejs:dynamic/homeostat:SandboxService';

function setStackConfig(dir: string, key: string, value: string): void {
  const file = join(dir, 'stacks', 'Pulumi.sandbox.yaml');
  const text = readFileSync(file, 'utf8').replace(new RegExp(`(${key}:) .*`), `$1 ${value}`);
  writeFileSync(file, text);
}

describe('engine: the sandbox stack through the Automation API and the real engine', function () {
  this.timeout(180_000);
  let checkout: ProjectCheckout;
  let fleet: FleetSimulator;
  let runner: StackRunner;
  const ref = () => ({ workDir: checkout.dir, stack: 'sandbox' });

  before(async () => {
    checkout = createProjectCheckout();
    mkdirSync(new URL(checkout.backendUrl).pathname, { recursive: true });
    fleet = await startFleetSimulator();
    const toolchain = resolveToolchain();
    runner = await createStackRunner({
      pulumiDir: toolchain.pulumiDir,
      backendUrl: checkout.backendUrl,
      passphrase: 'integration-test-passphrase',
      policyPacks: [join(checkout.dir, 'policies')],
      plugins: { mode: 'off' },
      env: { ...toolchain.engineEnv, HOMEOSTAT_FLEET_URL: fleet.url },
    });
  });

  after(async () => {
    await fleet?.close();
    checkout?.cleanup();
  });

  it('previews, applies, finds nothing to do, updates, refreshes and destroys', async () => {
    // 1. First preview: everything is new.
    const first = await runner.run('preview', ref());
    assert.equal(first.ok, true, first.error);
    assert.equal(first.summary.counts.create, 1);
    const [created] = changedResources(first.summary);
    assert.equal(created?.type, SERVICE);
    assert.equal(created?.op, 'create');
    assert.deepEqual(first.summary.policyViolations, []);
    assert.equal(fleet.services().length, 0, 'a preview changes nothing');

    // 2. Up: the fleet now runs the service, and the outputs carry the contract.
    const up = await runner.run('up', ref(), { message: 'initial deploy' });
    assert.equal(up.ok, true, up.error);
    assert.equal(up.summary.counts.create, 1);
    assert.equal(fleet.services().length, 1);
    assert.deepEqual(
      (({ name, capacity, instanceSize, version }) => ({ name, capacity, instanceSize, version }))(fleet.services()[0]!),
      { name: 'checkout', capacity: 2, instanceSize: 'small', version: 'v1.0.0' },
    );
    const outputs = await runner.outputs(ref());
    const contract = StackContractSchema.parse(outputs.homeostat);
    assert.equal(contract.remediable.find((k) => k.key === 'sandbox:capacity')?.current, 2);

    // 3. Preview again: no changes.
    const again = await runner.run('preview', ref());
    assert.equal(again.ok, true, again.error);
    assert.deepEqual(changedResources(again.summary), []);
    assert.equal(again.summary.counts.same, 1);

    // 4. A config change (committed, as a person would) shows as an in-place update of that property.
    setStackConfig(checkout.dir, 'sandbox:capacity', '4');
    git(checkout.dir, 'commit', '-qam', 'scale out checkout to 4');
    const change = await runner.run('preview', ref());
    assert.equal(change.ok, true, change.error);
    assert.equal(change.summary.counts.update, 1);
    const [updated] = changedResources(change.summary);
    assert.deepEqual(updated?.changes, [{ path: 'capacity', kind: 'update', replace: false, old: 2, new: 4 }]);

    // 5. Up applies it.
    const up2 = await runner.run('up', ref());
    assert.equal(up2.ok, true, up2.error);
    assert.equal(up2.summary.counts.update, 1);
    assert.equal(fleet.services()[0]?.capacity, 4);

    // 6. Refresh after someone changed the service behind the engine's back.
    fleet.tamper(fleet.services()[0]!.id, { capacity: 7 });
    const drift = await runner.run('refresh', ref(), { previewOnly: true });
    assert.equal(drift.ok, true, drift.error);
    const [drifted] = changedResources(drift.summary);
    assert.equal(drifted?.op, 'refresh');
    assert.equal(drift.summary.counts.refresh, 1);
    assert.deepEqual(drifted?.changes.find((c) => c.path === 'capacity'), { path: 'capacity', kind: 'update', replace: false, old: 4, new: 7 });
    const refresh = await runner.run('refresh', ref());
    assert.equal(refresh.ok, true, refresh.error);

    // 7. Destroy removes the service from the fleet.
    const destroy = await runner.run('destroy', ref());
    assert.equal(destroy.ok, true, destroy.error);
    assert.equal(destroy.summary.counts.delete, 1);
    assert.equal(fleet.services().length, 0);
  });

  it('enforces the policy pack: a mandatory violation fails the preview and names the policy', async () => {
    setStackConfig(checkout.dir, 'sandbox:instanceSize', 'xlarge');
    const result = await runner.run('preview', ref());
    assert.equal(result.ok, false);
    const [violation] = result.summary.policyViolations;
    assert.equal(violation?.policy, 'allowed-instance-sizes');
    assert.equal(violation?.level, 'mandatory');
    assert.equal(violation?.policyPack, 'homeostat');
    assert.match(violation?.message ?? '', /instance size xlarge is not allowed/);
    assert.match(result.error ?? '', /allowed-instance-sizes|preview failed|policy/i);
    git(checkout.dir, 'checkout', '--', 'stacks');
  });

  it('passes policy config to the pack: a capacity step beyond the baseline is refused', async () => {
    setStackConfig(checkout.dir, 'sandbox:capacity', '9');
    const refused = await runner.run('preview', ref(), { policyConfig: { 'max-capacity-step': { baselines: { checkout: 4 } } } });
    assert.equal(refused.ok, false);
    assert.deepEqual(refused.summary.policyViolations.map((v) => v.policy), ['max-capacity-step']);
    const allowed = await runner.run('preview', ref(), {
      policyConfig: { 'max-capacity-step': { baselines: { checkout: 4 }, maxStepRatio: 3 } },
    });
    assert.equal(allowed.ok, true, allowed.error);
    git(checkout.dir, 'checkout', '--', 'stacks');
  });
});
