import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCacheEnv } from '../../../orchestrator/engine/engine-env.ts';

/**
 * The compile cache across an engine's Node.js processes, run for real:
 * Node's own log of the cache (NODE_DEBUG_NATIVE=COMPILE_CACHE) says whether
 * V8 accepted an entry another process wrote.
 */
describe('compile cache preload: one cache for the program, the policy hosts and the dynamic providers', () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-compile-cache-'));
    writeFileSync(join(dir, 'shared.js'), 'module.exports = function shared() { return 42; };\n');
    // As @pulumi/pulumi's closure hooks do, at a point that differs between kinds of process.
    writeFileSync(join(dir, 'natives-after.js'), "require('./shared.js'); require('v8').setFlagsFromString('--allow-natives-syntax');\n");
    writeFileSync(join(dir, 'natives-before.js'), "require('v8').setFlagsFromString('--allow-natives-syntax'); require('./shared.js');\n");
    // A plugin: prints its port once ready, then serves until the engine kills it.
    writeFileSync(join(dir, 'plugin.js'), "require('./shared.js'); console.log('50051'); setInterval(() => {}, 1000);\n");
    env = { ...process.env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE', NODE_OPTIONS: undefined, NODE_COMPILE_CACHE: undefined };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** What Node's cache log says about shared.js in one run of `script`. */
  const sharedModuleLog = (script: string, cacheEnv: Record<string, string>) => {
    const run = spawnSync(process.execPath, [script], { cwd: dir, env: { ...env, ...cacheEnv }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return run.stderr.split('\n').filter((line) => line.includes('shared.js')).join('\n');
  };

  /** Starts the plugin, waits for its port line, and kills it as the engine does (SIGKILL: no exit handlers). */
  const runPluginUntilKilled = (cacheEnv: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['plugin.js'], { cwd: dir, env: { ...env, ...cacheEnv }, stdio: ['ignore', 'pipe', 'ignore'] });
      child.once('error', reject);
      child.stdout.once('data', () => child.kill('SIGKILL'));
      child.once('exit', () => resolve());
    });

  it('without it, V8 rejects what a process that turned on natives syntax later wrote', () => {
    const cache = { NODE_COMPILE_CACHE: join(dir, 'cache') };
    sharedModuleLog('natives-before.js', cache);
    assert.match(sharedModuleLog('natives-after.js', cache), /was rejected/);
  });

  it('with it, the entry one kind of process wrote is accepted by the other', () => {
    const cache = compileCacheEnv(join(dir, 'cache'));
    sharedModuleLog('natives-before.js', cache);
    const log = sharedModuleLog('natives-after.js', cache);
    assert.match(log, /was accepted/);
    assert.doesNotMatch(log, /was rejected/);
  });

  it('without it, a plugin killed at the end of a run leaves nothing in the cache', async () => {
    const cache = { NODE_COMPILE_CACHE: join(dir, 'cache') };
    await runPluginUntilKilled(cache);
    assert.match(sharedModuleLog('natives-before.js', cache), /no such file/);
  });

  it('leaves a program\'s own wrapper of stdout in place after the flush', () => {
    writeFileSync(join(dir, 'wraps.js'), "const w = process.stdout.write; process.stdout.write = function (s, ...a) { return w.call(this, `> ${s}`, ...a); }; console.log('one'); console.log('two');\n");
    const run = spawnSync(process.execPath, ['wraps.js'], { cwd: dir, env: { ...env, NODE_DEBUG_NATIVE: undefined, ...compileCacheEnv(join(dir, 'cache')) }, encoding: 'utf8' });
    assert.equal(run.stdout, '> one\n> two\n');
  });

  it('with it, a plugin writes the cache when it prints its port, so the next process reuses it', async () => {
    const cache = compileCacheEnv(join(dir, 'cache'));
    await runPluginUntilKilled(cache);
    assert.match(sharedModuleLog('natives-before.js', cache), /was accepted/);
  });
});
