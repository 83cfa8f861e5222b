import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../orchestrator/runtime/toolchain.ts';

const run = promisify(execFile);

/**
 * The engine's floor on this machine: a plain `pulumi up --skip-preview` of
 * a one-resource dynamic-provider program in plain JavaScript (no
 * TypeScript, no policy pack, no preview, a provider that does no I/O),
 * changing one property per update. What the same engine cannot do faster
 * for any program; the service's apply is measured against it.
 */
const PROGRAM = `const pulumi = require('@pulumi/pulumi');
const provider = {
  async create(inputs) { return { id: 'floor-1', outs: inputs }; },
  async diff(_id, olds, news) { return { changes: olds.value !== news.value }; },
  async update(_id, _olds, news) { return { outs: news }; },
};
class Floor extends pulumi.dynamic.Resource {
  constructor(name, args, opts) { super(provider, name, { value: args.value }, opts); }
}
const floor = new Floor('floor', { value: new pulumi.Config().require('value') });
exports.value = floor.value;
`;

export interface EngineFloor {
  /** One update that changes the resource's one property; resolves to its wall time in ms. */
  up(value: string): Promise<number>;
}

/** Makes the floor program in `dir` (its own backend and engine home) and applies it once. */
export async function createEngineFloor(dir: string, engine: { pulumiDir: string; env: Record<string, string | undefined> }): Promise<EngineFloor> {
  mkdirSync(join(dir, 'state'), { recursive: true });
  writeFileSync(join(dir, 'Pulumi.yaml'), 'name: floor\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n');
  writeFileSync(join(dir, 'package.json'), '{ "name": "floor", "private": true }\n');
  writeFileSync(join(dir, 'index.js'), PROGRAM);
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const env = { ...engine.env, PULUMI_BACKEND_URL: `file://${join(dir, 'state')}`, PULUMI_CONFIG_PASSPHRASE: 'floor', PULUMI_HOME: join(dir, 'home') };
  const pulumi = (args: string[]) => run(join(engine.pulumiDir, 'pulumi'), args, { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 });
  await pulumi(['stack', 'init', 'floor']);
  const up = async (value: string) => {
    await pulumi(['config', 'set', '--stack', 'floor', 'value', value]);
    const t0 = Date.now();
    await pulumi(['up', '--yes', '--skip-preview', '--stack', 'floor']);
    return Date.now() - t0;
  };
  await up('first');
  return { up };
}
