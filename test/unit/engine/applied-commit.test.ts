import assert from 'node:assert/strict';
import { applyMessage, appliedCommitOf, type HistoryEntry } from '../../../orchestrator/engine/applied-commit.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const update = (message: string, result = 'succeeded', kind = 'update'): HistoryEntry => ({ kind, result, message });

describe('engine: the applied commit as the backend records it', () => {
  it('reads back the commit an apply wrote into its update message', () => {
    assert.equal(appliedCommitOf([update(applyMessage(A))]), A);
  });

  it('takes the newest successful apply of ours (history lists the newest first)', () => {
    assert.equal(appliedCommitOf([update(applyMessage(B)), update(applyMessage(A))]), B);
  });

  it('skips failed updates, refreshes and a person’s own pulumi up', () => {
    const history = [
      update(applyMessage(B), 'failed'),
      update('', 'succeeded', 'refresh'),
      update('hotfix by hand'),
      update(applyMessage(A)),
    ];
    assert.equal(appliedCommitOf(history), A);
  });

  it('knows no commit when none of the updates is ours, or the message is not a full commit id', () => {
    assert.equal(appliedCommitOf([]), undefined);
    assert.equal(appliedCommitOf([update('homeostat: apply 0123456789ab')]), undefined);
    assert.equal(appliedCommitOf([update(`homeostat: apply ${A}; rm -rf /`)]), undefined);
  });
});
