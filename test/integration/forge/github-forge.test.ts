import assert from 'node:assert/strict';
import { createGithubForge } from '../../../orchestrator/forge/github-forge.ts';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.ts';
import { previewRun } from '../../support/run-records.ts';

describe('forge: GitHub adapter over real HTTP', () => {
  let gh: FakeGithub;
  before(async () => {
    gh = await startFakeGithub();
  });
  after(() => gh.close());

  it('sets a commit status and comments on the pull request, with the token', async () => {
    const forge = createGithubForge({ token: 'ghp_test_token', apiUrl: gh.url });
    const run = previewRun();
    await forge.reportPreview({ repoName: 'acme/infra', number: 7, sha: run.commit }, run);
    const [status, comment] = gh.requests;
    assert.equal(status?.method, 'POST');
    assert.equal(status?.path, `/repos/acme/infra/statuses/${run.commit}`);
    assert.equal(status?.body.state, 'success');
    assert.equal(status?.body.context, 'homeostat/preview (sandbox)');
    assert.equal(status?.auth, 'token ghp_test_token');
    assert.equal(comment?.path, '/repos/acme/infra/issues/7/comments');
    assert.match(String(comment?.body.body), /capacity: 2 => 4/);
  });

  it('refuses a repository name that is not owner/repo', async () => {
    const forge = createGithubForge({ token: 't', apiUrl: gh.url });
    await assert.rejects(forge.reportPreview({ repoName: 'infra', number: 1, sha: 'c'.repeat(40) }, previewRun()), /expected owner\/repo/);
  });
});
