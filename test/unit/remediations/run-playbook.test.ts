import assert from 'node:assert/strict';
import { PLAYBOOKS, listPlaybooks, playbookById, proposeAll } from '../../../remediations/index.ts';
import type { Playbook } from '../../../remediations/playbook.ts';
import { stackConfigFile } from '../../../remediations/playbook.ts';
import type { Proposal } from '../../../remediations/proposal.ts';
import { runPlaybook } from '../../../remediations/run-playbook.ts';
import { SANDBOX, cause, sandboxContract, sandboxInput } from './fixtures.ts';

const input = sandboxInput(95, [cause('saturation', 0.9)]);

function good(over: Partial<Proposal> & Record<string, unknown> = {}): Proposal {
  return {
    kind: 'config-patch',
    playbook: 'fake',
    incidentId: input.incident.id,
    stackKey: SANDBOX,
    file: 'stacks/Pulumi.sandbox.yaml',
    changes: [{ key: 'sandbox:capacity', from: 2, to: 3 }],
    title: 'Fake',
    expectedEffect: [],
    confidence: 0.5,
    risk: 'low',
    explanation: 'Because.',
    evidence: [],
    ...over,
  } as Proposal;
}

const fake = (out: () => unknown): Playbook => ({ id: 'fake', title: 'Fake', description: 'For tests.', propose: out as Playbook['propose'] });

describe('runPlaybook', () => {
  it('returns the proposals of a well-behaved playbook', () => {
    const run = runPlaybook(
      fake(() => [good()]),
      input,
    );
    assert.deepEqual(run, { ok: true, playbook: 'fake', proposals: [good()] });
  });

  const refusals: { name: string; out: unknown; error: RegExp }[] = [
    { name: 'confidence above 1', out: [good({ confidence: 1.2 })], error: /^playbook fake: proposals\[0\]\.confidence: .*<=1/ },
    { name: 'an unknown risk', out: [good({ risk: 'extreme' as never })], error: /^playbook fake: proposals\[0\]\.risk: / },
    { name: 'a missing explanation', out: [good({ explanation: undefined as never })], error: /^playbook fake: proposals\[0\]\.explanation: / },
    { name: 'not an array', out: { kind: 'revert' }, error: /^playbook fake: proposals: / },
    { name: 'a revert of something that is not a commit', out: [good({ kind: 'revert', commit: 'HEAD~1' } as never)], error: /proposals\[0\]\.commit: must be a hex commit id/ },
    { name: 'a capacity beyond max', out: [good({ changes: [{ key: 'sandbox:capacity', from: 2, to: 17 }] } as never)], error: /proposals\[0\]\.changes\[0\]: to 17 is outside \[1, 16\]/ },
    { name: 'a capacity beyond the step ratio', out: [good({ changes: [{ key: 'sandbox:capacity', from: 2, to: 5 }] } as never)], error: /changes\[0\]: grows from 2 to 5, more than 2x .*maxStepRatio 2/ },
    { name: 'a stale from value', out: [good({ changes: [{ key: 'sandbox:capacity', from: 3, to: 4 }] } as never)], error: /changes\[0\]: from 3 is not the current value 2/ },
    { name: 'a key the stack does not declare remediable', out: [good({ changes: [{ key: 'sandbox:serviceName', from: 'checkout', to: 'x' }] } as never)], error: /changes\[0\]: sandbox:serviceName is not a remediable key/ },
    { name: 'a size off the ladder', out: [good({ changes: [{ key: 'sandbox:instanceSize', from: 'small', to: 'huge' }] } as never)], error: /changes\[0\]: to "huge" is not one of small, medium, large, xlarge/ },
    { name: 'the same key twice', out: [good({ changes: [{ key: 'sandbox:capacity', from: 2, to: 3 }, { key: 'sandbox:capacity', from: 2, to: 4 }] } as never)], error: /changes\[1\]\.key: sandbox:capacity is changed twice/ },
    { name: 'another stack', out: [good({ stackKey: 'infra/./other' })], error: /proposals\[0\]\.stackKey: is "infra\/.\/other", expected the input's stack/ },
    { name: "another stack's file", out: [good({ file: 'stacks/Pulumi.web-prod.yaml' } as never)], error: /proposals\[0\]\.file: .*expected the stack's config file "stacks\/Pulumi.sandbox.yaml"/ },
    { name: "another playbook's name", out: [good({ playbook: 'scale-out' })], error: /proposals\[0\]\.playbook: is "scale-out", expected "fake"/ },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name}, naming the playbook and the field`, () => {
      const run = runPlaybook(
        fake(() => r.out),
        input,
      );
      assert.equal(run.ok, false);
      assert.ok(!run.ok && run.errors.some((e) => r.error.test(e)), JSON.stringify(run));
    });
  }

  it('turns a throwing playbook into an error naming it', () => {
    const run = runPlaybook(
      fake(() => {
        throw new Error('boom');
      }),
      input,
    );
    assert.deepEqual(run, { ok: false, playbook: 'fake', errors: ['playbook fake failed: boom'] });
  });
});

describe('playbook registry', () => {
  it('lists every playbook with a unique kebab-case id, a title and a description', () => {
    const list = listPlaybooks();
    assert.deepEqual(
      list.map((p) => p.id),
      ['rollback-deploy', 'scale-out', 'grow-volume', 'scale-up', 'restart-rollout'],
    );
    assert.equal(new Set(list.map((p) => p.id)).size, list.length);
    for (const p of list) {
      assert.match(p.id, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(p.title.length > 0 && p.description.length > 20, p.id);
    }
    assert.equal(playbookById('scale-out'), PLAYBOOKS[1]);
    assert.equal(playbookById('nope'), undefined);
  });

  it('runs them all: a saturated sandbox gets one scale-out proposal', () => {
    const { proposals, failures } = proposeAll(input);
    assert.deepEqual(failures, []);
    assert.deepEqual(
      proposals.map((p) => p.playbook),
      ['scale-out'],
    );
  });

  it('keeps the other playbooks\' proposals when one fails', () => {
    const broken = fake(() => [good({ confidence: -1 })]);
    const { proposals, failures } = proposeAll(input, [broken, ...PLAYBOOKS]);
    assert.deepEqual(
      proposals.map((p) => p.playbook),
      ['scale-out'],
    );
    assert.deepEqual(
      failures.map((f) => f.playbook),
      ['fake'],
    );
  });

  it('names the config file after the stack', () => {
    assert.equal(stackConfigFile('infra/./sandbox'), 'stacks/Pulumi.sandbox.yaml');
    assert.equal(stackConfigFile('infra/ops/web-prod', 'ops/stacks'), 'ops/stacks/Pulumi.web-prod.yaml');
    assert.ok(sandboxContract().remediable.length > 0);
  });
});
