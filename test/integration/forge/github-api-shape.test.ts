import assert from 'node:assert/strict';
import { createGithubForge } from '../../../orchestrator/forge/github-forge.ts';
import { githubApiSpec, startForgeApi, type ForgeApi } from '../../support/forge-api.ts';
import { previewRun } from '../../support/run-records.ts';

const TOKEN = 'ghp_homeostatShapeTest0123456789abcdef';

describe('forge: GitHub adapter against the documented REST shapes', () => {
  let api: ForgeApi;
  beforeEach(async () => {
    api = await startForgeApi(githubApiSpec(TOKEN));
  });
  afterEach(() => api.close());

  it('a preview: POST /repos/{owner}/{repo}/statuses/{sha} and /issues/{n}/comments, with Authorization: token', async () => {
    const forge = createGithubForge({ token: TOKEN, apiUrl: api.url });
    const run = previewRun({ status: 'failed', reason: 'EngineError' });
    await forge.reportPreview({ repoName: 'acme/infra', number: 7, sha: run.commit }, run);
    assert.deepEqual(api.refused, []);
    assert.deepEqual(api.requests.map((r) => `${r.route} ${r.path}`), [`commit status /repos/acme/infra/statuses/${run.commit}`, 'issue comment /repos/acme/infra/issues/7/comments']);
    assert.equal(api.requests[0]?.body.state, 'failure');
    assert.equal(api.requests[0]?.headers.authorization, `token ${TOKEN}`);
  });

  it('a remediation pull request: POST /repos/{owner}/{repo}/pulls with title, head, base and body', async () => {
    const forge = createGithubForge({ token: TOKEN, apiUrl: api.url });
    const target = { repoName: 'acme/infra', head: 'homeostat/rm-1', base: 'main', title: 'Scale out', body: 'Why' };
    assert.deepEqual(await forge.openPullRequest(target), { number: 42, url: 'https://github.example/acme/infra/pull/42' });
    assert.deepEqual(api.refused, []);
    assert.deepEqual(api.requests[0]?.body, { head: 'homeostat/rm-1', base: 'main', title: 'Scale out', body: 'Why' });
  });
});
