import { BuildError } from '../build/build-errors.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import { StalledError } from './deploy-errors.ts';
import type { Reconciliation } from './reconcile-steps.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * build: the commit's program compiled once per content (or its cached build
 * reused) before the engine runs it; the run records which build it used. A
 * program that does not compile stalls the run as `InvalidProgram`, naming
 * the file and line, without starting the engine.
 */
export async function buildProgram(ctx: WorkerContext, rec: Reconciliation, artifact: SourceArtifact): Promise<void> {
  const builder = ctx.deps.builder;
  if (!builder) return;
  try {
    const build = await builder.prepare({ root: artifact.dir, project: rec.data.target.project, digest: artifact.digest });
    if (!build) return;
    rec.run.build = build;
    const what = build.kind === 'plain' ? `${build.entry} is plain JavaScript, run as it is` : `${build.entry} ${build.reused ? 'reused from the build cache' : 'compiled'} (${build.key.slice(0, 12)})`;
    rec.log.push(`${new Date().toISOString().slice(11, 19)} build: ${what} in ${build.durationMs} ms`);
  } catch (err) {
    if (err instanceof BuildError) throw new StalledError('InvalidProgram', err.message);
    throw err;
  }
}
