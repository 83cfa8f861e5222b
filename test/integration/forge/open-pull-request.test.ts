import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGithubForge } from '../../../orchestrator/forge/github-forge.ts';

/**
 * The shared fake GitHub answers every request with `{id}`, not with a pull
 * request, so this stand-in answers `POST /repos/:owner/:repo/pulls` the way
 * GitHub does (201 with `number` and `html_url`) and records what it got.
 */
interface PullsServer {
  url: string;
  requests: { method: string; path: string; auth: string | undefined; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

async function startPullsServer(number: number): Promise<PullsServer> {
  const requests: PullsServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, auth: req.headers.authorization, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      const m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
      if (req.method !== 'POST' || !m) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
        return;
      }
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 9_000 + number, number, html_url: `https://github.example/${m[1]}/${m[2]}/pull/${number}`, state: 'open' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('forge: opening a pull request over real HTTP', () => {
  let gh: PullsServer;
  beforeEach(async () => {
    gh = await startPullsServer(42);
  });
  afterEach(() => gh.close());

  const target = {
    repoName: 'acme/infra',
    head: 'homeostat/rm-infra-.-sandbox-20261129T0210Z',
    base: 'main',
    title: 'Scale out sandbox:capacity from 2 to 4',
    body: 'Saturation is the most likely cause.\n\nHomeostat-Incident: infra/./sandbox@20261129T0210Z',
  };

  it('posts the head, base, title and body to the repository pulls, with the token', async () => {
    const forge = createGithubForge({ token: 'ghp_test_token', apiUrl: gh.url });
    await forge.openPullRequest(target);
    assert.equal(gh.requests.length, 1);
    const [req] = gh.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, '/repos/acme/infra/pulls');
    assert.equal(req?.auth, 'token ghp_test_token');
    assert.deepEqual(req?.body, { head: target.head, base: target.base, title: target.title, body: target.body });
  });

  it("returns the pull request's number and web address from the response", async () => {
    const forge = createGithubForge({ token: 'ghp_test_token', apiUrl: gh.url });
    assert.deepEqual(await forge.openPullRequest(target), { number: 42, url: 'https://github.example/acme/infra/pull/42' });
  });

  const badNames = ['noslash', '/infra', 'acme/'];
  for (const repoName of badNames) {
    it(`refuses the repository name '${repoName}', naming it, without a request`, async () => {
      const forge = createGithubForge({ token: 't', apiUrl: gh.url });
      await assert.rejects(forge.openPullRequest({ ...target, repoName }), (err: Error) => {
        assert.match(err.message, new RegExp(`not a GitHub repository name: ${repoName} \\(expected owner/repo\\)`));
        return true;
      });
      assert.equal(gh.requests.length, 0);
    });
  }
});
