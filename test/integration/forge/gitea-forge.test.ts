import assert from 'node:assert/strict';
import { createGiteaForge } from '../../../orchestrator/forge/gitea-forge.ts';
import { giteaApiSpec, gitlabApiSpec, startForgeApi, type ForgeApi } from '../../support/forge-api.ts';
import { previewRun } from '../../support/run-records.ts';

const TOKEN = '3f9c0d7e51a2b4c6d8e0f1a2b3c4d5e6f7a8b9c0';
const target = { repoName: 'acme/infra', head: 'homeostat/rm-infra-.-sandbox-20261201T1200Z', base: 'main', title: 'Scale out sandbox', body: 'Why: saturation' };

describe('forge: Gitea adapter against the documented API v1 shapes', () => {
  let api: ForgeApi;
  beforeEach(async () => {
    api = await startForgeApi(giteaApiSpec(TOKEN));
  });
  afterEach(() => api.close());

  it('reports a preview as a commit status (success) and an issue comment on the pull request, with Authorization: token', async () => {
    const forge = createGiteaForge({ token: TOKEN, url: `${api.url}/` });
    const run = previewRun();
    await forge.reportPreview({ repoName: 'acme/infra', number: 7, sha: run.commit }, run);
    assert.deepEqual(api.refused, []);
    const [status, comment] = api.requests;
    assert.equal(status?.route, 'commit status');
    assert.equal(status?.path, `/api/v1/repos/acme/infra/statuses/${run.commit}`);
    assert.equal(status?.body.state, 'success');
    assert.equal(status?.body.context, 'homeostat/preview (sandbox)');
    assert.equal(status?.headers.authorization, `token ${TOKEN}`);
    assert.equal(comment?.route, 'issue comment');
    assert.equal(comment?.path, '/api/v1/repos/acme/infra/issues/7/comments');
    assert.match(String(comment?.body.body), /capacity: 2 => 4/);
  });

  it('maps a failed preview to Gitea\'s failure state', async () => {
    const forge = createGiteaForge({ token: TOKEN, url: api.url });
    const run = previewRun({ status: 'failed', reason: 'EngineError' });
    await forge.reportPreview({ repoName: 'acme/infra', number: 8, sha: run.commit }, run);
    assert.deepEqual(api.refused, []);
    assert.equal(api.requests[0]?.body.state, 'failure');
  });

  it('opens a pull request from the proposal branch into the deploy branch and returns its number and html_url', async () => {
    const forge = createGiteaForge({ token: TOKEN, url: api.url });
    assert.deepEqual(await forge.openPullRequest(target), { number: 3, url: 'https://gitea.example/acme/infra/pulls/3' });
    assert.deepEqual(api.refused, []);
    assert.equal(api.requests[0]?.path, '/api/v1/repos/acme/infra/pulls');
    assert.deepEqual(api.requests[0]?.body, { head: target.head, base: 'main', title: target.title, body: target.body });
  });

  it('fails with the call and status, never the token, even when the forge echoes the token back', async () => {
    const echo = await startForgeApi({
      auth: (h) => `token refused: ${String(h.authorization)}`,
      routes: giteaApiSpec(TOKEN).routes,
    });
    try {
      const forge = createGiteaForge({ token: TOKEN, url: echo.url });
      await assert.rejects(forge.openPullRequest(target), (err: Error) => {
        assert.match(err.message, /^Gitea API POST \/repos\/acme\/infra\/pulls answered 401: token refused: token \[redacted\]/);
        assert.doesNotMatch(`${err.message}${err.stack ?? ''}`, new RegExp(TOKEN));
        return true;
      });
    } finally {
      await echo.close();
    }
  });

  it('fails, without the token, when the forge cannot be reached', async () => {
    const forge = createGiteaForge({ token: TOKEN, url: 'http://127.0.0.1:9', timeoutMs: 2_000 });
    await assert.rejects(forge.openPullRequest(target), (err: Error) => {
      assert.match(err.message, /^Gitea API POST \/repos\/acme\/infra\/pulls failed: /);
      assert.doesNotMatch(err.message, new RegExp(TOKEN));
      return true;
    });
  });

  it('the receiver holds requests to Gitea\'s shape: pointed at a GitLab-shaped API, the adapter fails', async () => {
    const gitlab = await startForgeApi(gitlabApiSpec(TOKEN));
    try {
      const forge = createGiteaForge({ token: TOKEN, url: gitlab.url });
      await assert.rejects(forge.openPullRequest(target), /answered 404/);
      assert.equal(gitlab.requests.length, 0);
    } finally {
      await gitlab.close();
    }
  });

  it('refuses a repository name that is not owner/repo', async () => {
    const forge = createGiteaForge({ token: TOKEN, url: api.url });
    await assert.rejects(forge.openPullRequest({ ...target, repoName: 'acme/platform/infra' }), /expected owner\/repo/);
  });
});
