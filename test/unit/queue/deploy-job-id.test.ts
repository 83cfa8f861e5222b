import assert from 'node:assert/strict';
import { commitOfDeployJobId, deployJobId } from '../../../orchestrator/queue/deploy-job.ts';

describe('deploy job ids', () => {
  const commit = 'a'.repeat(40);
  const target = { repo: 'infra', project: '.', stack: 'sandbox' };

  it('give back the commit they were made from, for applies, previews and suffixed ids', () => {
    assert.equal(commitOfDeployJobId(deployJobId(target, commit, true)), commit);
    assert.equal(commitOfDeployJobId(deployJobId(target, commit, false)), commit);
    assert.equal(commitOfDeployJobId(deployJobId(target, commit, true, 'retry-1')), commit);
  });

  it('give nothing for no id or an id of another shape', () => {
    assert.equal(commitOfDeployJobId(null), undefined);
    assert.equal(commitOfDeployJobId('infra/./sandbox@abc'), undefined);
  });
});
