import assert from 'node:assert/strict';
import { createGitlabForge } from '../../../orchestrator/forge/gitlab-forge.ts';
import { startForgeApi, gitlabApiSpec, giteaApiSpec, type ForgeApi } from '../../support/forge-api.ts';
import { previewRun } from '../../support/run-records.ts';

const TOKEN = 'glpat-homeostat-test-7c1e0b';
const target = { repoName: 'acme/platform/infra', head: 'homeostat/rm-infra-.-sandbox-20261201T1200Z', base: 'main', title: 'Scale out sandbox', body: 'Why: saturation' };

describe('forge: GitLab adapter against the documented REST v4 shapes', () => {
  let api: ForgeApi;
  beforeEach(async () => {
    api = await startForgeApi(gitlabApiSpec(TOKEN));
  });
  afterEach(() => api.close());

  it('reports a preview as a commit status (success) and a merge request note, with PRIVATE-TOKEN, on the URL-encoded project path', async () => {
    const forge = createGitlabForge({ token: TOKEN, url: api.url });
    const run = previewRun();
    await forge.reportPreview({ repoName: 'acme/platform/infra', number: 7, sha: run.commit }, run);
    assert.deepEqual(api.refused, []);
    const [status, note] = api.requests;
    assert.equal(status?.route, 'commit status');
    assert.equal(status?.path, `/api/v4/projects/acme%2Fplatform%2Finfra/statuses/${run.commit}`);
    assert.equal(status?.body.state, 'success');
    assert.equal(status?.body.name, 'homeostat/preview (sandbox)');
    assert.match(String(status?.body.description), /^Preview of sandbox: /);
    assert.equal(status?.headers['private-token'], TOKEN);
    assert.equal(note?.route, 'merge request note');
    assert.equal(note?.path, '/api/v4/projects/acme%2Fplatform%2Finfra/merge_requests/7/notes');
    assert.match(String(note?.body.body), /capacity: 2 => 4/);
  });

  it('maps a failed preview to the state GitLab calls failed (not GitHub\'s failure, which GitLab refuses)', async () => {
    const forge = createGitlabForge({ token: TOKEN, url: api.url });
    const run = previewRun({ status: 'failed', reason: 'EngineError' });
    await forge.reportPreview({ repoName: 'acme/infra', number: 8, sha: run.commit }, run);
    assert.deepEqual(api.refused, []);
    assert.equal(api.requests[0]?.body.state, 'failed');
  });

  it('opens a merge request from the proposal branch into the deploy branch and returns its iid and web URL', async () => {
    const forge = createGitlabForge({ token: TOKEN, url: api.url });
    assert.deepEqual(await forge.openPullRequest(target), { number: 5, url: 'https://gitlab.example/acme/infra/-/merge_requests/5' });
    assert.deepEqual(api.refused, []);
    const [mr] = api.requests;
    assert.equal(mr?.path, '/api/v4/projects/acme%2Fplatform%2Finfra/merge_requests');
    assert.deepEqual(mr?.body, { source_branch: target.head, target_branch: 'main', title: target.title, description: target.body });
  });

  it('fails, naming the call and status without the token, when the forge refuses the token', async () => {
    const forge = createGitlabForge({ token: 'glpat-wrong-token-2b9f', url: api.url });
    await assert.rejects(forge.openPullRequest(target), (err: Error) => {
      assert.equal(err.name, 'ForgeRequestError');
      assert.match(err.message, /^GitLab API POST \/projects\/acme%2Fplatform%2Finfra\/merge_requests answered 401: expected PRIVATE-TOKEN/);
      assert.doesNotMatch(err.message + (err.stack ?? ''), /glpat-wrong-token-2b9f/);
      return true;
    });
  });

  it('the receiver holds requests to GitLab\'s shape: pointed at a Gitea-shaped API, the adapter fails', async () => {
    const gitea = await startForgeApi(giteaApiSpec(TOKEN));
    try {
      const forge = createGitlabForge({ token: TOKEN, url: gitea.url });
      await assert.rejects(forge.openPullRequest(target), /answered 404/);
      assert.equal(gitea.requests.length, 0);
      assert.equal(gitea.refused.length, 1);
    } finally {
      await gitea.close();
    }
  });

  it('refuses a repository name that is not a project path', async () => {
    const forge = createGitlabForge({ token: TOKEN, url: api.url });
    await assert.rejects(forge.openPullRequest({ ...target, repoName: 'infra' }), /not a GitLab project path: infra/);
    assert.equal(api.requests.length + api.refused.length, 0);
  });
});
