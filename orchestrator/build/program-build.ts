import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { build, version as esbuildVersion, type BuildFailure, type Metafile, type Plugin } from 'esbuild';
import { parseDocument } from 'yaml';
import { buildErrorOf, BuildError } from './build-errors.ts';
import { buildKey } from './build-key.ts';
import { pruneBuilds } from './prune-builds.ts';

/**
 * The build stage: a commit's Pulumi program compiled once, by content, into
 * plain JavaScript that the engine runs, instead of TypeScript transpiled on
 * the fly (through tsx) by every engine process of every run.
 *
 * Why esbuild and not tsc: the engine needs only transpiled JavaScript, and
 * tsc type-checks (seconds per program, and a type error is not a reason to
 * refuse a program that runs); esbuild transpiles and bundles in tens of
 * milliseconds. Bundling also saves loading each of the program's own modules
 * one by one. Packages stay external (`packages: 'external'`), so that
 * `@pulumi/pulumi` and the rest are the single instances the language host
 * resolves from node_modules.
 */

/** Where a build lives inside a project: found by Node's module resolution walking up to the project's node_modules. */
export const BUILD_FOLDER = join('.homeostat', 'build');

/** What a run used: the build (by key), and whether this run compiled it or reused it. */
export interface ProgramBuild {
  key: string;
  /** The program's entry, relative to the repository. */
  entry: string;
  /** `compiled`: the engine runs the bundle; `plain`: a JavaScript program without TypeScript, run as it is. */
  kind: 'compiled' | 'plain';
  /** True when an earlier run (any stack, any checkout) made this build. */
  reused: boolean;
  /** How long this run spent on it (the compile, or the copy of the cached build). */
  durationMs: number;
}

/** What is in a cached build's folder besides the bundle. */
interface Manifest {
  kind: ProgramBuild['kind'];
  entry: string;
}

export interface ProgramBuilderOptions {
  /** The cache of builds, one folder per key (beside the dependency cache). */
  dir: string;
  /** Called once per compile (not per reuse): the metrics count them. */
  onCompiled?: (build: ProgramBuild) => void;
  /** How many program builds the cache keeps, the least recently used dropped first; default 200 (`prune-builds.ts`). */
  keep?: number;
}

/** The program to build: a project folder of a checked-out commit. */
export interface ProgramSource {
  /** The checkout (the repository root). */
  root: string;
  /** The project's folder, relative to the root ('' for the root). */
  project: string;
  /** The checkout's content digest (the artifact's tree digest). */
  digest: string;
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * A program that registers tsx itself (Homeostat's own `stacks/main.mjs`, so
 * that a plain `pulumi up` runs it) needs no loader once it is bundled: every
 * TypeScript module it imports is in the bundle already. The bundle gets a
 * `register` that does nothing in place of tsx's.
 */
export const tsxStandIn: Plugin = {
  name: 'homeostat-tsx-stand-in',
  setup(b) {
    b.onResolve({ filter: /^tsx(?:\/|$)/ }, (args) => ({ path: args.path, namespace: 'tsx-stand-in' }));
    b.onLoad({ filter: /.*/, namespace: 'tsx-stand-in' }, () => ({ contents: 'export function register() { return () => {}; }', loader: 'js' }));
  },
};

/**
 * The entry the engine would run: Pulumi.yaml's `main` (a file, or a folder
 * with an index), else package.json's `main`, else `index.ts` or `index.js`.
 * Undefined when there is none (the engine then says what is wrong itself).
 */
export async function programEntry(projectDir: string, main: unknown): Promise<string | undefined> {
  const candidates: string[] = [];
  if (typeof main === 'string' && main !== '') {
    const at = join(projectDir, main);
    if (existsSync(at) && statSync(at).isDirectory()) candidates.push(join(main, 'index.ts'), join(main, 'index.js'));
    else candidates.push(main);
  } else {
    const pkg = await readFile(join(projectDir, 'package.json'), 'utf8').then((t) => JSON.parse(t) as { main?: unknown }, () => ({}) as { main?: unknown });
    if (typeof pkg.main === 'string') candidates.push(pkg.main);
    candidates.push('index.ts', 'index.js');
  }
  return candidates.find((c) => existsSync(join(projectDir, c)) && statSync(join(projectDir, c)).isFile());
}

/** Points the checkout's Pulumi.yaml at the bundle (its `main`), with the host's own TypeScript support off. */
async function pointProjectAt(projectDir: string, main: string): Promise<void> {
  const file = join(projectDir, 'Pulumi.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.set('main', main);
  const runtime: unknown = doc.get('runtime');
  if (typeof runtime === 'string') doc.set('runtime', { name: runtime, options: { typescript: false } });
  else doc.setIn(['runtime', 'options', 'typescript'], false);
  await writeFile(file, String(doc));
}

/**
 * esbuild's output for one entry (ESM for a program, CommonJS for a policy
 * pack, which the engine require()s) with its source maps, and what went into
 * it. `what` names the entry in a compile error.
 *
 * A program is split at its dynamic imports (`splitting`): `outfile` is its
 * entry, and each module it imports only with `await import()` is a chunk
 * beside it, loaded when the import runs. One flat bundle would hoist every
 * package those modules import to its top, so a program that picks its
 * resources by stack (ours loads `@pulumi/aws` only for an AWS stack) would
 * load every SDK on every run: about 0.6 s of CPU per engine run here for
 * `@pulumi/aws` and `@pulumi/kubernetes` that the sandbox stack never uses.
 */
export async function compile(root: string, entry: string, outfile: string, format: 'esm' | 'cjs', what: string): Promise<Metafile> {
  const layout =
    format === 'esm'
      ? { entryPoints: { [basename(outfile, extname(outfile))]: join(root, entry) }, outdir: dirname(outfile), splitting: true, outExtension: { '.js': extname(outfile) } }
      : { entryPoints: [join(root, entry)], outfile };
  try {
    const result = await build({
      absWorkingDir: root,
      ...layout,
      bundle: true,
      platform: 'node',
      format,
      target: 'node24',
      packages: 'external',
      // Linked, not inline: the source-map-support that @pulumi/pulumi's program, provider and policy hosts
      // install reads the map beside the bundle, so stack traces name the .ts files.
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      plugins: [tsxStandIn],
    });
    return result.metafile;
  } catch (err) {
    const failure = err as Partial<BuildFailure>;
    if (Array.isArray(failure.errors)) throw buildErrorOf(failure.errors, what);
    throw err;
  }
}

export function createProgramBuilder(options: ProgramBuilderOptions) {
  /** Compiles under way in this process, by key: stacks of one commit deployed in parallel share one. */
  const compiling = new Map<string, Promise<Manifest>>();

  /** Compiles into the checkout and keeps a copy in the cache; a program without TypeScript is only noted there. */
  async function compileInto(source: ProgramSource, entry: string, key: string, outDir: string): Promise<Manifest> {
    const metafile = await compile(source.root, entry, join(outDir, 'main.mjs'), 'esm', `the program (${entry})`);
    const hasTypeScript = Object.keys(metafile.inputs).some((input) => TYPESCRIPT.test(input) && !input.startsWith('tsx-stand-in:'));
    const manifest: Manifest = { kind: hasTypeScript ? 'compiled' : 'plain', entry };
    if (!hasTypeScript) await rm(outDir, { recursive: true, force: true });
    // Into a scratch folder, then moved in place: a crash never leaves a half-written build that looks complete.
    const scratch = join(options.dir, `${key}.tmp-${process.pid}-${Date.now().toString(36)}`);
    await mkdir(scratch, { recursive: true });
    if (hasTypeScript) await cp(outDir, scratch, { recursive: true });
    await writeFile(join(scratch, 'manifest.json'), JSON.stringify(manifest));
    await rename(scratch, join(options.dir, key)).catch(async (err: NodeJS.ErrnoException) => {
      // Another worker built the same key first: theirs is the same build.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(scratch, { recursive: true, force: true });
    });
    return manifest;
  }

  return {
    /**
     * Makes the checkout's program ready for the engine: compiled (or the
     * cached build of the same content copied in, not linked: Node resolves
     * a link to its real path, away from the project's node_modules) and
     * Pulumi.yaml pointed at it; or left as it is when it is plain
     * JavaScript. Throws {@link BuildError} when it does not compile.
     * Undefined when the project names no entry that exists.
     */
    async prepare(source: ProgramSource): Promise<ProgramBuild | undefined> {
      const started = Date.now();
      const projectDir = join(source.root, source.project);
      // No Pulumi.yaml (a `Pulumi.yml` project): the engine runs the program as it is.
      if (!existsSync(join(projectDir, 'Pulumi.yaml'))) return undefined;
      const doc = parseDocument(await readFile(join(projectDir, 'Pulumi.yaml'), 'utf8'));
      const main = await programEntry(projectDir, doc.get('main'));
      if (main === undefined) return undefined;
      const entry = relative(source.root, join(projectDir, main));
      // A JavaScript entry may still import TypeScript (through tsx): only its bundle's inputs tell.
      if (!['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'].includes(extname(entry))) return undefined;
      const key = buildKey({ kind: 'program', sourceDigest: source.digest, entry, esbuildVersion });
      const outDir = join(projectDir, BUILD_FOLDER, key);
      const cached = join(options.dir, key);
      const readManifest = async () => JSON.parse(await readFile(join(cached, 'manifest.json'), 'utf8')) as Manifest;
      let manifest: Manifest;
      let reused = true;
      const pending = compiling.get(key);
      if (existsSync(join(cached, 'manifest.json'))) manifest = await readManifest();
      else if (pending) {
        // Another stack of the same commit is compiling it in this process right now: wait for its build (or its error).
        await pending;
        manifest = await readManifest();
      } else {
        reused = false;
        const inFlight = compileInto(source, entry, key, outDir);
        compiling.set(key, inFlight);
        try {
          manifest = await inFlight;
        } finally {
          compiling.delete(key);
        }
        await pruneBuilds(options.dir, options.keep);
      }
      if (reused) {
        // Marked as used now, so that pruning drops the builds of old commits first.
        const now = new Date();
        await utimes(cached, now, now).catch(() => undefined);
      }
      if (reused && manifest.kind === 'compiled') await cp(cached, outDir, { recursive: true });
      if (manifest.kind === 'compiled') await pointProjectAt(projectDir, join(BUILD_FOLDER, key, 'main.mjs'));
      const result: ProgramBuild = { key, entry, kind: manifest.kind, reused, durationMs: Date.now() - started };
      if (!reused) options.onCompiled?.(result);
      return result;
    },
  };
}
export type ProgramBuilder = ReturnType<typeof createProgramBuilder>;
export { BuildError };
