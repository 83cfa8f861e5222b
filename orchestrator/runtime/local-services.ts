import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveToolchain } from './toolchain.ts';

/**
 * Starts the services Homeostat needs on this machine — redis-server and a
 * moto server standing in for CloudWatch — each on a free loopback port, so
 * they never collide with a service already running on a default port. Used
 * by the test suite and by the sandbox.
 */
export interface LocalService {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntil(what: string, child: ChildProcess, ready: () => Promise<boolean>, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${what} exited with code ${child.exitCode} before it was ready:\n${output()}`);
    }
    if (await ready()) return;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${what} was not ready within ${timeoutMs} ms:\n${output()}`);
}

function spawnService(cmd: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    // Keep only the tail: enough to explain a failed start.
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => log };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500);
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts a redis-server on a free loopback port: throw-away (no persistence)
 * by default; with `aof`, persisted to an append-only file in `dir` (kept by
 * `stop()`), so that a Redis stopped and started again on the same port and
 * folder comes back with its data, as a production Redis configured for
 * BullMQ does.
 */
export async function startRedis(options: { aof?: boolean; port?: number; dir?: string } = {}): Promise<LocalService & { dir: string }> {
  const { redisServer } = resolveToolchain();
  if (!redisServer) throw new Error("redis-server is not installed: run 'npm run setup' (scripts/setup.sh)");
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'homeostat-redis-'));
  const port = options.port ?? (await freePort());
  const persistence = options.aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
  const { child, output } = spawnService(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir]);
  await waitUntil('redis-server', child, () => redisPing(port), 10_000, output);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      await stopChild(child);
      if (!options.aof) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a moto server (the CloudWatch API, among others) on a free loopback port. */
export async function startMoto(): Promise<LocalService> {
  const { motoServer } = resolveToolchain();
  const port = await freePort();
  const { child, output } = spawnService(motoServer, ['-H', '127.0.0.1', '-p', String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    'moto_server',
    child,
    async () => {
      try {
        const res = await fetch(`${url}/moto-api/`);
        return res.ok;
      } catch {
        return false;
      }
    },
    30_000,
    output,
  );
  return { url, port, stop: () => stopChild(child) };
}
