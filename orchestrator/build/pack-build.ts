import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { version as esbuildVersion } from 'esbuild';
import { policyPackDigest } from '../source/pack-digest.ts';
import { buildKey } from './build-key.ts';
import { BUILD_FOLDER, compile } from './program-build.ts';

/**
 * A TypeScript policy pack compiled once per content into a pack folder of
 * its own that the engine runs (`--policy-pack <built folder>`): the same
 * PulumiPolicy.yaml, a package.json whose `main` is the bundle, and the
 * bundle, CommonJS because the engine's policy host require()s a pack. Why
 * esbuild: see program-build.ts.
 *
 * A pack may import files outside its folder (Homeostat's imports the
 * sandbox's instance sizes from stacks/), which the pack's digest does not
 * cover; so a cached build also lists every file that went into it, and is
 * reused only while each of them still has the content it was built from.
 */

/** A built pack: the folder to hand the engine, its key, and whether it was compiled now. */
export interface PackBuild {
  folder: string;
  key: string;
  reused: boolean;
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** One digest of the listed files' contents (paths relative to the pack folder); undefined when one is gone. */
async function inputsDigest(folder: string, inputs: readonly string[]): Promise<string | undefined> {
  const hash = createHash('sha256');
  for (const input of inputs) {
    const content = await readFile(resolve(folder, input)).catch(() => undefined);
    if (content === undefined) return undefined;
    hash.update(`${input}\0`).update(content).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

// eslint-disable-next-line max-lines-per-function -- a factory: its methods share the map of compiles in flight, and the claim must sit beside the look-up with no await between
export function createPackBuilder(options: { dir: string; onCompiled?: () => void }) {
  const compiling = new Map<string, Promise<void>>();

  /** Compiles the pack into `out` (a folder inside the pack) and files it in the cache under `cached`, with its inputs. */
  async function compileInto(folder: string, main: string, lookup: string): Promise<string | undefined> {
    // Compiled at the depth of a built folder inside the pack, so that the source map's relative paths hold wherever it is copied.
    const scratch = join(folder, BUILD_FOLDER, `compiling-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
    const metafile = await compile(folder, main, join(scratch, 'index.cjs'), 'cjs', `the policy pack at ${folder}`).catch(async (err: unknown) => {
      await rm(scratch, { recursive: true, force: true });
      throw err;
    });
    const inputs = Object.keys(metafile.inputs).filter((i) => !i.startsWith('tsx-stand-in:')).sort();
    if (!inputs.some((i) => TYPESCRIPT.test(i))) {
      await rm(scratch, { recursive: true, force: true });
      return undefined;
    }
    const digest = (await inputsDigest(folder, inputs))!;
    await mkdir(join(options.dir, lookup), { recursive: true });
    await writeFile(join(options.dir, lookup, 'inputs.json'), JSON.stringify(inputs));
    // Copied to a scratch folder in the cache, then moved in place: never half a build that looks complete.
    const filed = join(options.dir, lookup, `${digest}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    await cp(scratch, filed, { recursive: true });
    await rm(scratch, { recursive: true, force: true });
    await rename(filed, join(options.dir, lookup, digest)).catch(async (err: NodeJS.ErrnoException) => {
      // Another worker filed the same build first: theirs is the same.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(filed, { recursive: true, force: true });
    });
    return digest;
  }

  /** The cached build of the pack as its files are now, if there is one. */
  async function cachedBuild(folder: string, lookup: string): Promise<string | undefined> {
    const list = await readFile(join(options.dir, lookup, 'inputs.json'), 'utf8').catch(() => undefined);
    if (list === undefined) return undefined;
    const digest = await inputsDigest(folder, JSON.parse(list) as string[]);
    return digest && existsSync(join(options.dir, lookup, digest, 'index.cjs')) ? digest : undefined;
  }

  return {
    /**
     * The folder the engine should run for the pack at `folder`: a built
     * copy inside it (so the pack's node_modules are found) when the pack
     * is TypeScript, else `folder` itself. Throws `BuildError` when it does
     * not compile.
     */
    async prepare(folder: string): Promise<PackBuild | undefined> {
      const digest = await policyPackDigest(folder);
      if (!digest) return undefined;
      const pkg = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8').catch(() => '{}')) as Record<string, unknown>;
      const main = typeof pkg.main === 'string' ? pkg.main : 'index.js';
      if (!['.ts', '.js', '.cjs', '.mjs', '.cts', '.mts'].includes(extname(main)) || !existsSync(join(folder, main))) return undefined;
      const lookup = buildKey({ kind: 'policy-pack', sourceDigest: digest, entry: main, esbuildVersion });
      let reused = true;
      let built = await cachedBuild(folder, lookup);
      while (!built) {
        // Looked up and claimed with no await in between: two packs of the same content (the pinned one
        // and the commit's own, prepared side by side) must not both compile into the same cache entry.
        const pending = compiling.get(lookup);
        if (pending) {
          await pending;
          built = await cachedBuild(folder, lookup);
          continue;
        }
        reused = false;
        const inFlight = compileInto(folder, main, lookup);
        const settled = inFlight.then(() => undefined, () => undefined);
        compiling.set(lookup, settled);
        try {
          built = await inFlight;
        } finally {
          if (compiling.get(lookup) === settled) compiling.delete(lookup);
        }
        if (!built) return undefined;
        options.onCompiled?.();
      }
      const key = `${lookup}-${built}`;
      const out = join(folder, BUILD_FOLDER, key);
      if (!existsSync(join(out, 'package.json'))) {
        await cp(join(options.dir, lookup, built), out, { recursive: true });
        await copyFile(join(folder, 'PulumiPolicy.yaml'), join(out, 'PulumiPolicy.yaml'));
        // Its name and version are the pack's (the engine reports them); only `main` is the bundle's.
        await writeFile(join(out, 'package.json'), JSON.stringify({ ...pkg, main: 'index.cjs' }, null, 2));
      }
      return { folder: out, key, reused };
    },
  };
}
export type PackBuilder = ReturnType<typeof createPackBuilder>;
