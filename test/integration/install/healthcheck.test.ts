import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../orchestrator/runtime/toolchain.ts';

const run = promisify(execFile);
const SCRIPT = join(PROJECT_ROOT, 'deploy', 'docker', 'healthcheck.mjs');

/** Runs the image's health check script against a port; its exit code and message. */
async function healthcheck(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe("the container's health check script (deploy/docker/healthcheck.mjs)", function () {
  let server: Server;
  let port: number;
  let status = 200;
  const paths: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes when /healthz answers 200 on the listen port', async () => {
    status = 200;
    assert.deepEqual(await healthcheck({ HOMEOSTAT_LISTEN_PORT: String(port) }), { code: 0, stderr: '' });
    assert.equal(paths.at(-1), '/healthz');
  });

  it('fails, saying why, when the service answers anything else', async () => {
    status = 503;
    const r = await healthcheck({ HOMEOSTAT_HEALTHCHECK_PORT: String(port) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/healthz answered 503/);
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await healthcheck({ HOMEOSTAT_LISTEN_PORT: String(free) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ECONNREFUSED/);
  });

  it('refuses a port that is not one', async () => {
    const r = await healthcheck({ HOMEOSTAT_LISTEN_PORT: 'eighty' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad settings/);
  });
});
