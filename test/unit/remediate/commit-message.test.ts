import assert from 'node:assert/strict';
import { approvedMergeMessage, parseTrailers, policyLine, previewLine, remediationCommitMessage, revertCommitMessage } from '../../../orchestrator/remediate/commit-message.ts';
import type { RemediationCommitInput } from '../../../orchestrator/remediate/commit-message.ts';
import type { PolicyResult } from '../../../orchestrator/decide/decide.ts';
import { ProposalSchema } from '../../../remediations/proposal.ts';
import type { Proposal } from '../../../remediations/proposal.ts';

const SANDBOX = 'infra/./sandbox';
const INCIDENT = `${SANDBOX}@20261129T0210Z`;
const COMMIT = '3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345';

/** A scale-out proposal as the playbook makes it, checked against the schema playbooks are held to. */
function patch(over: Partial<Extract<Proposal, { kind: 'config-patch' }>> = {}): Proposal {
  return ProposalSchema.parse({
    kind: 'config-patch',
    playbook: 'scale-out',
    incidentId: INCIDENT,
    stackKey: SANDBOX,
    file: 'stacks/Pulumi.sandbox.yaml',
    changes: [{ key: 'sandbox:capacity', from: 2, to: 4 }],
    title: 'Scale out sandbox:capacity from 2 to 4',
    expectedEffect: [{ signalId: 'cpu', direction: 'down', relative: 0.5, note: 'load spread over twice the capacity' }],
    confidence: 0.9,
    risk: 'low',
    explanation: 'Saturation is the most likely cause: CPU at 95% of its limit.',
    evidence: ['cpu at 95 for 5 min', 'requests up 3x'],
    ...over,
  });
}

function revert(over: Partial<Extract<Proposal, { kind: 'revert' }>> = {}): Proposal {
  return ProposalSchema.parse({
    kind: 'revert',
    playbook: 'rollback-deploy',
    incidentId: INCIDENT,
    stackKey: SANDBOX,
    commit: COMMIT,
    title: 'Revert the deployment of v1.4.3',
    expectedEffect: [{ signalId: 'errors', direction: 'down', relative: 0.9, note: 'back to the last good version' }],
    confidence: 0.85,
    risk: 'medium',
    explanation: 'The errors started 2 minutes after v1.4.3 was deployed.',
    evidence: ['deploy of 3f9c2a1 at 02:08'],
    ...over,
  });
}

const clean: PolicyResult = { passed: true, violations: [] };

function message(over: Partial<RemediationCommitInput> = {}): string {
  return remediationCommitMessage({
    proposal: patch(),
    confidence: 0.9,
    policy: clean,
    decision: { decision: 'auto', reasons: ['confidence 90% meets the threshold'] },
    previewCounts: { update: 1, same: 2 },
    ...over,
  });
}

/** Subject, body and trailer paragraphs of a message. */
function paragraphs(text: string): string[] {
  return text.trimEnd().split('\n\n');
}

describe('remediation commit message', () => {
  it('reads as subject, explanation with the changes, and trailers', () => {
    assert.equal(
      message(),
      [
        'Scale out sandbox:capacity from 2 to 4',
        '',
        'Saturation is the most likely cause: CPU at 95% of its limit.',
        '',
        '- sandbox:capacity: 2 -> 4',
        '',
        `Homeostat-Incident: ${INCIDENT}`,
        'Homeostat-Playbook: scale-out',
        'Homeostat-Confidence: 0.90',
        'Homeostat-Evidence: cpu at 95 for 5 min',
        'Homeostat-Evidence: requests up 3x',
        'Homeostat-Policy: passed',
        'Homeostat-Decision: auto (confidence 90% meets the threshold)',
        'Homeostat-Preview: 1 to update',
        '',
      ].join('\n'),
    );
  });

  describe('subject', () => {
    const cases: { name: string; title: string; want: string }[] = [
      { name: 'is the title as it is when short', title: 'Scale out sandbox:capacity from 2 to 4', want: 'Scale out sandbox:capacity from 2 to 4' },
      { name: 'folds a title over several lines into one', title: 'Scale out\nsandbox:capacity   from 2 to 4', want: 'Scale out sandbox:capacity from 2 to 4' },
      { name: 'cuts a long title to 72 characters, ending in an ellipsis', title: 'x'.repeat(120), want: `${'x'.repeat(71)}…` },
      { name: 'keeps a title of exactly 72 characters whole', title: 'y'.repeat(72), want: 'y'.repeat(72) },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const subject = message({ proposal: patch({ title: c.title }) }).split('\n')[0]!;
        assert.equal(subject, c.want);
        assert.ok(subject.length <= 72, `${subject.length} characters`);
      });
    }

    it('is followed by a blank line', () => {
      assert.equal(message({ proposal: patch({ title: 'a\nb' }) }).split('\n')[1], '');
    });
  });

  describe('body', () => {
    it('lists one `- key: from -> to` line per change', () => {
      const proposal = patch({
        changes: [
          { key: 'sandbox:capacity', from: 2, to: 4 },
          { key: 'sandbox:instanceSize', from: 'small', to: 'medium' },
          { key: 'sandbox:autoscale', from: false, to: true },
        ],
      });
      assert.deepEqual(paragraphs(message({ proposal }))[2]!.split('\n'), ['- sandbox:capacity: 2 -> 4', '- sandbox:instanceSize: small -> medium', '- sandbox:autoscale: false -> true']);
    });

    it('has no change list for a revert, only the explanation', () => {
      const parts = paragraphs(message({ proposal: revert() }));
      assert.equal(parts.length, 3);
      assert.equal(parts[1], 'The errors started 2 minutes after v1.4.3 was deployed.');
      assert.doesNotMatch(message({ proposal: revert() }), / -> /);
    });

    it('folds the explanation to one line', () => {
      const parts = paragraphs(message({ proposal: patch({ explanation: 'Saturation.\n\nCPU at 95%.' }) }));
      assert.equal(parts[1], 'Saturation. CPU at 95%.');
    });
  });

  describe('trailers', () => {
    const trailersOf = (over: Partial<RemediationCommitInput>) => parseTrailers(message(over));
    const cases: { name: string; over: Partial<RemediationCommitInput>; key: string; want: string[] }[] = [
      { name: 'name the incident', over: {}, key: 'Homeostat-Incident', want: [INCIDENT] },
      { name: 'name the playbook', over: { proposal: revert() }, key: 'Homeostat-Playbook', want: ['rollback-deploy'] },
      { name: 'give the confidence used with 2 decimals', over: { confidence: 0.8666 }, key: 'Homeostat-Confidence', want: ['0.87'] },
      { name: 'give a whole confidence with 2 decimals', over: { confidence: 1 }, key: 'Homeostat-Confidence', want: ['1.00'] },
      {
        name: 'carry at most 5 lines of evidence, in order',
        over: { proposal: patch({ evidence: ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'] }) },
        key: 'Homeostat-Evidence',
        want: ['e1', 'e2', 'e3', 'e4', 'e5'],
      },
      {
        name: 'keep each line of evidence on one line',
        over: { proposal: patch({ evidence: ['cpu at 95\nfor 5 min', 'deploy of 3f9c2a1\n\nat 02:08'] }) },
        key: 'Homeostat-Evidence',
        want: ['cpu at 95 for 5 min', 'deploy of 3f9c2a1 at 02:08'],
      },
      { name: 'carry no evidence line when there is no evidence', over: { proposal: patch({ evidence: [] }) }, key: 'Homeostat-Evidence', want: [] },
      { name: 'say a proactive change was made ahead of a forecast breach', over: { proposal: patch({ proactive: true, risk: 'medium' }) }, key: 'Homeostat-Proactive', want: ['medium risk, ahead of a forecast breach'] },
      { name: 'say nothing of forecasts for a reaction to an observed incident', over: {}, key: 'Homeostat-Proactive', want: [] },
      { name: 'say a clean policy check passed', over: {}, key: 'Homeostat-Policy', want: ['passed'] },
      {
        name: 'list the policy findings',
        over: {
          policy: {
            passed: false,
            violations: [
              { policy: 'max-capacity-step', level: 'mandatory', message: 'too large' },
              { policy: 'required-tags', level: 'advisory', message: 'no owner' },
            ],
          },
        },
        key: 'Homeostat-Policy',
        want: ['failed (mandatory max-capacity-step, advisory required-tags)'],
      },
      { name: 'count the preview by operation', over: { previewCounts: { update: 1, same: 2 } }, key: 'Homeostat-Preview', want: ['1 to update'] },
      { name: 'count several operations of the preview', over: { previewCounts: { create: 2, update: 1, delete: 0, same: 5 } }, key: 'Homeostat-Preview', want: ['2 to create, 1 to update'] },
      { name: "say 'no changes' when the preview changes nothing", over: { previewCounts: { same: 3 } }, key: 'Homeostat-Preview', want: ['no changes'] },
      { name: 'name the policy check run when known', over: { previewRunId: 'run-42' }, key: 'Homeostat-Preview', want: ['1 to update (run run-42)'] },
      {
        name: 'name the update plan the policy check saved, which the apply runs within',
        over: { previewRunId: 'run-42', previewPlanDigest: `sha256:${'ab'.repeat(32)}` },
        key: 'Homeostat-Preview',
        want: [`1 to update (run run-42, plan sha256:${'ab'.repeat(32)})`],
      },
    ];
    for (const c of cases) {
      it(c.name, () => assert.deepEqual(trailersOf(c.over)[c.key] ?? [], c.want));
    }

    it('are the last paragraph, one `Key: value` per line', () => {
      const last = paragraphs(message({ proposal: patch({ evidence: ['a\nb', 'c'] }) })).at(-1)!;
      for (const line of last.split('\n')) assert.match(line, /^Homeostat-[A-Za-z-]+: \S/);
    });

    it('read back exactly the keys written, repeated keys as lists', () => {
      assert.deepEqual(parseTrailers(message({ previewRunId: 'run-42' })), {
        'Homeostat-Incident': [INCIDENT],
        'Homeostat-Playbook': ['scale-out'],
        'Homeostat-Confidence': ['0.90'],
        'Homeostat-Evidence': ['cpu at 95 for 5 min', 'requests up 3x'],
        'Homeostat-Policy': ['passed'],
        'Homeostat-Decision': ['auto (confidence 90% meets the threshold)'],
        'Homeostat-Preview': ['1 to update (run run-42)'],
      });
    });
  });

  describe('preview and policy lines', () => {
    const previews: { counts: Record<string, number>; want: string }[] = [
      { counts: {}, want: 'no changes' },
      { counts: { same: 4 }, want: 'no changes' },
      { counts: { update: 0, same: 4 }, want: 'no changes' },
      { counts: { update: 1 }, want: '1 to update' },
      { counts: { replace: 1, update: 2 }, want: '1 to replace, 2 to update' },
    ];
    for (const c of previews) it(`previews ${JSON.stringify(c.counts)} as '${c.want}'`, () => assert.equal(previewLine(c.counts), c.want));

    const policies: { policy: PolicyResult; want: string }[] = [
      { policy: { passed: true, violations: [] }, want: 'passed' },
      { policy: { passed: false, violations: [] }, want: 'failed' },
      { policy: { passed: true, violations: [{ policy: 'required-tags', level: 'advisory', message: 'no owner' }] }, want: 'passed (advisory required-tags)' },
    ];
    for (const c of policies) it(`sums up a policy result as '${c.want}'`, () => assert.equal(policyLine(c.policy), c.want));
  });
});

describe('revert commit message', () => {
  const input = { commit: COMMIT, title: 'Scale out sandbox:capacity from 2 to 4', incidentId: INCIDENT, playbook: 'scale-out', why: 'not effective: cpu did not recover enough: 90.0 → 88.0' };

  it('reads as git revert writes it, with the reason and trailers', () => {
    assert.equal(
      revertCommitMessage(input),
      [
        'Revert "Scale out sandbox:capacity from 2 to 4"',
        '',
        `This reverts commit ${COMMIT}: not effective: cpu did not recover enough: 90.0 → 88.0`,
        '',
        `Homeostat-Incident: ${INCIDENT}`,
        'Homeostat-Playbook: scale-out',
        `Homeostat-Revert-Of: ${COMMIT}`,
        '',
      ].join('\n'),
    );
  });

  it('has trailers that read back, naming the reverted commit', () => {
    assert.deepEqual(parseTrailers(revertCommitMessage(input)), {
      'Homeostat-Incident': [INCIDENT],
      'Homeostat-Playbook': ['scale-out'],
      'Homeostat-Revert-Of': [COMMIT],
    });
  });

  it('keeps the subject on one line of at most 72 characters', () => {
    const subject = revertCommitMessage({ ...input, title: `Scale\nout ${'z'.repeat(118)}` }).split('\n')[0]!;
    assert.match(subject, /^Revert "Scale out z+…"$/);
    assert.ok(subject.length <= 72, `${subject.length} characters`);
  });

  it('keeps a reason over several lines in its paragraph', () => {
    const parts = paragraphs(revertCommitMessage({ ...input, why: 'not effective:\n\ncpu got worse' }));
    assert.equal(parts.length, 3);
    assert.equal(parts[1], `This reverts commit ${COMMIT}: not effective: cpu got worse`);
  });
});

describe('approved merge message', () => {
  const BRANCH = 'homeostat/rm-infra-sandbox-1a2b3c4d';
  const input = { branch: BRANCH, title: 'Scale out sandbox:capacity from 2 to 4', incidentId: INCIDENT, playbook: 'scale-out', approvedBy: 'ana' };

  it('names the branch, the title and who approved, with trailers', () => {
    assert.equal(
      approvedMergeMessage(input),
      `Merge ${BRANCH}: Scale out sandbox:capacity from 2 to 4\n\nApproved by ana.\n\nHomeostat-Incident: ${INCIDENT}\nHomeostat-Playbook: scale-out\nHomeostat-Approved-By: ana\n`,
    );
  });

  it('says "a person" in the text and "unknown" in the trailer when the approver is not known', () => {
    const message = approvedMergeMessage({ ...input, approvedBy: undefined });
    assert.match(message, /\n\nApproved by a person\.\n\n/);
    assert.deepEqual(parseTrailers(message)['Homeostat-Approved-By'], ['unknown']);
  });

  it('leaves the playbook trailer empty when the record names none', () => {
    assert.match(approvedMergeMessage({ ...input, playbook: undefined }), /\nHomeostat-Playbook: \nHomeostat-Approved-By: ana\n$/);
  });
});

describe('parseTrailers', () => {
  const cases: { name: string; text: string; want: Record<string, string[]> }[] = [
    { name: 'reads only the last paragraph', text: 'Subject\n\nKey-A: in the body\n\nKey-B: 1\nKey-B: 2\n', want: { 'Key-B': ['1', '2'] } },
    { name: 'skips lines that are not `Key: value`', text: 'Subject\n\nKey: v\nnot a trailer\n', want: { Key: ['v'] } },
    { name: 'reads a message of one line as its own last paragraph', text: 'Key: v', want: { Key: ['v'] } },
    { name: 'finds nothing in a message without trailers', text: 'Subject\n\nJust a body.\n', want: {} },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseTrailers(c.text), c.want));
});
